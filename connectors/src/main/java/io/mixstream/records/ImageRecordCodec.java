package io.mixstream.records;

import io.mixstream.records.MalformedRecordException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The image record wire format, version 1. All integers are big-endian.
 *
 * <pre>
 * offset   size  field
 * 0        4     magic, the ASCII bytes "MXIM"
 * 4        1     format version = 1
 * 5        1     pixel encoding: 0 raw planar, 1 PNG, 2 JPEG
 * 6        2     label, signed; -1 = no label, else 0 .. classes-1
 * 8        2     height, unsigned, 1 .. max side
 * 10       2     width, unsigned, 1 .. max side
 * 12       1     channels: 1 or 3
 * 13       1     reserved, 0
 * 14       2     id length N, unsigned, 1 .. 255
 * 16       N     id, UTF-8
 * 16+N     4     pixel byte count P, signed, 1 .. max pixel bytes
 * 20+N     P     pixels: raw planar (P = channels*height*width) or a whole PNG/JPEG file
 * </pre>
 *
 * The record ends exactly after the pixels. Decoding never throws anything but {@link
 * MalformedRecordException} for bad bytes, whatever they are.
 */
public final class ImageRecordCodec {
  public static final int MAGIC = 0x4D58494D; // "MXIM"
  public static final byte VERSION = 1;
  public static final int HEADER_BYTES = 20; // everything but the id and the pixels
  public static final int MAX_ID_BYTES = 255;

  private final RecordLimits limits;

  public ImageRecordCodec(RecordLimits limits) {
    this.limits = limits;
  }

  /** A codec with {@link RecordLimits#DEFAULT} (CIFAR-10's ten classes). */
  public static ImageRecordCodec withDefaults() {
    return new ImageRecordCodec(RecordLimits.DEFAULT);
  }

  public RecordLimits limits() {
    return limits;
  }

  /**
   * The record's bytes. Checks the same rules as {@link #decode}, so that a producer cannot write
   * what a consumer will reject.
   *
   * @throws IllegalArgumentException naming the broken rule
   */
  public byte[] encode(ImageRecord r) {
    byte[] id = r.id().getBytes(StandardCharsets.UTF_8);
    try {
      checkId(id.length);
      checkHeader(r.label(), r.height(), r.width(), r.channels(), r.pixels().length);
      var unused = checkPixels(r.encoding(), r.height(), r.width(), r.channels(), r.pixels());
    } catch (MalformedRecordException e) {
      throw new IllegalArgumentException("cannot encode " + r + ": " + e.getMessage(), e);
    }
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + id.length + r.pixels().length);
    b.order(ByteOrder.BIG_ENDIAN)
        .putInt(MAGIC)
        .put(VERSION)
        .put((byte) r.encoding().code())
        .putShort((short) r.label())
        .putShort((short) r.height())
        .putShort((short) r.width())
        .put((byte) r.channels())
        .put((byte) 0)
        .putShort((short) id.length)
        .put(id)
        .putInt(r.pixels().length)
        .put(r.pixels());
    return b.array();
  }

  /** Parses and validates one record. Encoded images are decoded once to check their shape. */
  public ImageRecord decode(byte[] bytes) throws MalformedRecordException {
    return decodeWithPixels(bytes).record();
  }

  /** A decoded record and its pixels as planar bytes (PNG/JPEG decoded once, while validating). */
  public record Decoded(ImageRecord record, DecodedImage image) {}

  /** {@link #decode}, keeping the planar pixels that validation produced. */
  public Decoded decodeWithPixels(byte[] bytes) throws MalformedRecordException {
    if (bytes == null || bytes.length < 16) {
      throw new MalformedRecordException(
          Reason.TRUNCATED,
          "record has %d bytes, the fixed header alone needs 16"
              .formatted(bytes == null ? 0 : bytes.length));
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
    int magic = b.getInt();
    if (magic != MAGIC) {
      throw new MalformedRecordException(
          Reason.BAD_MAGIC,
          "first four bytes are 0x%08X, an image record starts with 0x%08X (\"MXIM\")"
              .formatted(magic, MAGIC));
    }
    int version = b.get();
    if (version != VERSION) {
      throw new MalformedRecordException(
          Reason.UNSUPPORTED_VERSION,
          "format version %d; this reader understands version %d".formatted(version, VERSION));
    }
    int encodingCode = Byte.toUnsignedInt(b.get());
    PixelEncoding encoding = PixelEncoding.fromCode(encodingCode);
    if (encoding == null) {
      throw new MalformedRecordException(
          Reason.UNSUPPORTED_ENCODING,
          "pixel encoding code %d; known: 0 raw planar, 1 PNG, 2 JPEG".formatted(encodingCode));
    }
    int label = b.getShort();
    int height = Short.toUnsignedInt(b.getShort());
    int width = Short.toUnsignedInt(b.getShort());
    int channels = Byte.toUnsignedInt(b.get());
    b.get(); // reserved
    int idLength = Short.toUnsignedInt(b.getShort());
    checkId(idLength);
    if (b.remaining() < idLength + 4) {
      throw new MalformedRecordException(
          Reason.TRUNCATED,
          "record ends after %d bytes, inside the id or the pixel count".formatted(bytes.length));
    }
    byte[] idBytes = new byte[idLength];
    b.get(idBytes);
    String id = utf8(idBytes);
    int pixelCount = b.getInt();
    checkHeader(label, height, width, channels, pixelCount);
    if (b.remaining() < pixelCount) {
      throw new MalformedRecordException(
          Reason.TRUNCATED,
          "record %s declares %d pixel bytes but only %d follow"
              .formatted(id, pixelCount, b.remaining()));
    }
    if (b.remaining() > pixelCount) {
      throw new MalformedRecordException(
          Reason.TRAILING_BYTES,
          "record %s has %d bytes after its %d pixel bytes"
              .formatted(id, b.remaining() - pixelCount, pixelCount));
    }
    byte[] pixels = new byte[pixelCount];
    b.get(pixels);
    DecodedImage image = checkPixels(encoding, height, width, channels, pixels);
    return new Decoded(
        new ImageRecord(id, label, height, width, channels, encoding, pixels), image);
  }

  private static void checkId(int idLength) throws MalformedRecordException {
    if (idLength < 1 || idLength > MAX_ID_BYTES) {
      throw new MalformedRecordException(
          Reason.BAD_ID,
          "id is %d bytes long; it must be 1 to %d UTF-8 bytes".formatted(idLength, MAX_ID_BYTES));
    }
  }

  private static String utf8(byte[] idBytes) throws MalformedRecordException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(idBytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new MalformedRecordException(Reason.BAD_ID, "id is not valid UTF-8");
    }
  }

  private void checkHeader(int label, int height, int width, int channels, int pixelCount)
      throws MalformedRecordException {
    if (label != ImageRecord.NO_LABEL && (label < 0 || label >= limits.classes())) {
      throw new MalformedRecordException(
          Reason.LABEL_OUT_OF_RANGE,
          "label %d; expected -1 (none) or 0 to %d".formatted(label, limits.classes() - 1));
    }
    if (height < 1 || width < 1 || (channels != 1 && channels != 3)) {
      throw new MalformedRecordException(
          Reason.BAD_SHAPE,
          "shape %dx%dx%d; height and width must be at least 1 and channels 1 or 3"
              .formatted(height, width, channels));
    }
    if (height > limits.maxSide() || width > limits.maxSide()) {
      throw new MalformedRecordException(
          Reason.OVERSIZE,
          "image is %dx%d; the largest side accepted is %d"
              .formatted(height, width, limits.maxSide()));
    }
    if (pixelCount < 1 || pixelCount > limits.maxPixelBytes()) {
      throw new MalformedRecordException(
          pixelCount < 1 ? Reason.TRUNCATED : Reason.OVERSIZE,
          "pixel byte count %d; it must be 1 to %d".formatted(pixelCount, limits.maxPixelBytes()));
    }
  }

  private static DecodedImage checkPixels(
      PixelEncoding encoding, int height, int width, int channels, byte[] pixels)
      throws MalformedRecordException {
    if (encoding == PixelEncoding.RAW_PLANAR) {
      long expected = (long) height * width * channels;
      if (pixels.length != expected) {
        throw new MalformedRecordException(
            Reason.SHAPE_MISMATCH,
            "raw pixels are %d bytes but shape %dx%dx%d needs %d"
                .formatted(pixels.length, height, width, channels, expected));
      }
      return new DecodedImage(height, width, channels, pixels);
    }
    DecodedImage image = EncodedImages.decode(encoding, pixels);
    if (image.height() != height || image.width() != width || image.channels() != channels) {
      throw new MalformedRecordException(
          Reason.SHAPE_MISMATCH,
          "the %s is %dx%dx%d but the record declares %dx%dx%d"
              .formatted(
                  encoding,
                  image.height(),
                  image.width(),
                  image.channels(),
                  height,
                  width,
                  channels));
    }
    return image;
  }
}

package io.mixstream.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mixstream.records.MalformedRecordException.Reason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageRecordCodecTest {
  private final ImageRecordCodec codec = ImageRecordCodec.withDefaults();

  private static byte[] planar(int h, int w, int c, int seed) {
    byte[] b = new byte[h * w * c];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static ImageRecord cifarLike() {
    return ImageRecord.rawRgb("cifar10-train-00007", 7, 32, 32, planar(32, 32, 3, 1));
  }

  @Test
  void rawRecordLayoutMatchesTheDocumentedBytes() throws Exception {
    ImageRecord r =
        ImageRecord.rawRgb("ab", 3, 2, 2, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    byte[] bytes = codec.encode(r);
    byte[] expected = {
      'M', 'X', 'I', 'M', // magic
      1, // version
      0, // raw planar
      0, 3, // label
      0, 2, // height
      0, 2, // width
      3, // channels
      0, // reserved
      0, 2, // id length
      'a', 'b', // id
      0, 0, 0, 12, // pixel bytes
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
    };
    assertThat(bytes).containsExactly(expected);
    assertThat(codec.decode(bytes)).isEqualTo(r);
  }

  @Test
  void roundTripsUnlabelledAndGrey() throws Exception {
    ImageRecord r =
        new ImageRecord(
            "x/é", ImageRecord.NO_LABEL, 5, 7, 1, PixelEncoding.RAW_PLANAR, planar(5, 7, 1, 2));
    assertThat(codec.decode(codec.encode(r))).isEqualTo(r);
    assertThat(codec.decode(codec.encode(r)).hasLabel()).isFalse();
  }

  @Test
  void pngAndJpegRoundTripAndDecodeToTheirPixels() throws Exception {
    BufferedImage img = new BufferedImage(6, 4, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 6; x++) {
        img.setRGB(x, y, (x * 40) << 16 | (y * 60) << 8 | 200);
      }
    }
    byte[] png = write(img, "png");
    ImageRecord r = new ImageRecord("p", 1, 4, 6, 3, PixelEncoding.PNG, png);
    ImageRecord back = codec.decode(codec.encode(r));
    assertThat(back).isEqualTo(r);
    DecodedImage d = EncodedImages.planar(back);
    assertThat(codec.decodeWithPixels(codec.encode(r)).image().planar())
        .containsExactly(d.planar());
    assertThat(d.planar()[0 * 24 + 1 * 6 + 5] & 0xFF).isEqualTo(5 * 40); // R at (y=1,x=5)
    assertThat(d.planar()[1 * 24 + 3 * 6 + 0] & 0xFF).isEqualTo(3 * 60); // G at (y=3,x=0)
    assertThat(d.planar()[2 * 24 + 2 * 6 + 2] & 0xFF).isEqualTo(200); // B

    byte[] jpeg = write(img, "jpg");
    ImageRecord j = new ImageRecord("j", 1, 4, 6, 3, PixelEncoding.JPEG, jpeg);
    assertThat(codec.decode(codec.encode(j))).isEqualTo(j);
  }

  @Test
  void truncatedAnywhereIsReportedAsTruncated() {
    byte[] good = codec.encode(cifarLike());
    for (int len : new int[] {0, 3, 15, 17, 20 + 19 + 2, good.length - 1}) {
      byte[] cut = Arrays.copyOf(good, len);
      assertReason(cut, Reason.TRUNCATED);
    }
  }

  @Test
  void trailingBytesAreRejected() {
    byte[] good = codec.encode(cifarLike());
    assertReason(Arrays.copyOf(good, good.length + 1), Reason.TRAILING_BYTES);
  }

  @Test
  void unknownMagicOrVersionIsRejected() {
    byte[] bad = codec.encode(cifarLike());
    bad[0] = 'N';
    assertReason(bad, Reason.BAD_MAGIC);
    byte[] v2 = codec.encode(cifarLike());
    v2[4] = 2;
    assertThatThrownBy(() -> codec.decode(v2))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("format version 2");
  }

  @Test
  void rawSizeThatDoesNotMatchTheShapeIsRejected() {
    byte[] bytes = header(32, 32, 3, 0, "a", 3071);
    assertReason(bytes, Reason.SHAPE_MISMATCH);
  }

  @Test
  void encodedImageWhoseShapeDiffersFromTheHeaderIsRejected() throws IOException {
    byte[] png = write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png");
    byte[] bytes = withPixels(header(32, 32, 3, 1, "a", png.length), png);
    assertReason(bytes, Reason.SHAPE_MISMATCH);
  }

  @Test
  void labelOutOfRangeIsRejected() {
    assertReason(header(32, 32, 3, 0, "a", 3072, 10), Reason.LABEL_OUT_OF_RANGE);
    assertReason(header(32, 32, 3, 0, "a", 3072, -2), Reason.LABEL_OUT_OF_RANGE);
  }

  @Test
  void unsupportedEncodingAndUndecodableImagesAreRejected() {
    byte[] unknown = header(32, 32, 3, 0, "a", 3072);
    unknown[5] = 9;
    assertReason(unknown, Reason.UNSUPPORTED_ENCODING);
    byte[] fakePng = new byte[100];
    System.arraycopy(
        new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, 0, fakePng, 0, 8);
    assertReason(withPixels(header(32, 32, 3, 1, "a", 100), fakePng), Reason.UNDECODABLE_IMAGE);
    assertReason(
        withPixels(header(32, 32, 3, 2, "a", 100), new byte[100]), Reason.UNDECODABLE_IMAGE);
  }

  @Test
  void oversizeImagesAreRejected() {
    assertReason(header(5000, 32, 3, 0, "a", 3072), Reason.OVERSIZE);
    byte[] huge = header(4096, 4096, 3, 0, "a", 0);
    ByteBuffer.wrap(huge).putInt(16 + 1, Integer.MAX_VALUE); // the pixel count after a 1-byte id
    assertReason(huge, Reason.OVERSIZE);
  }

  @Test
  void badShapeAndBadIdAreRejected() {
    assertReason(header(32, 32, 2, 0, "a", 2048), Reason.BAD_SHAPE);
    assertReason(header(0, 32, 3, 0, "a", 1), Reason.BAD_SHAPE);
    byte[] noId = header(1, 1, 1, 0, "a", 1);
    noId[14] = 0;
    noId[15] = 0;
    assertReason(noId, Reason.BAD_ID);
    byte[] badUtf8 = header(1, 1, 1, 0, "a", 1);
    badUtf8[16] = (byte) 0xC3; // a lead byte with no continuation
    assertReason(badUtf8, Reason.BAD_ID);
  }

  @Test
  void encodeRefusesWhatDecodeWouldReject() {
    assertThatThrownBy(() -> codec.encode(ImageRecord.rawRgb("a", 3, 32, 32, new byte[10])))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SHAPE_MISMATCH");
    assertThatThrownBy(() -> codec.encode(ImageRecord.rawRgb("", 3, 1, 1, new byte[3])))
        .hasMessageContaining("BAD_ID");
  }

  @Test
  void randomGarbageNeverThrowsAnythingButMalformedRecord() {
    Random random = new Random(42);
    byte[] good = codec.encode(cifarLike());
    for (int i = 0; i < 20_000; i++) {
      byte[] b;
      if (i % 2 == 0) {
        b = new byte[random.nextInt(64)];
        random.nextBytes(b);
      } else {
        b = good.clone();
        for (int k = 0; k < 1 + random.nextInt(4); k++) {
          b[random.nextInt(40)] = (byte) random.nextInt();
        }
        b = Arrays.copyOf(b, random.nextInt(b.length + 8));
      }
      try {
        codec.decode(b);
      } catch (MalformedRecordException expected) {
        assertThat(expected.reason()).isNotNull();
      }
    }
  }

  private void assertReason(byte[] bytes, Reason reason) {
    assertThatThrownBy(() -> codec.decode(bytes))
        .isInstanceOf(MalformedRecordException.class)
        .satisfies(e -> assertThat(((MalformedRecordException) e).reason()).isEqualTo(reason))
        .hasMessageStartingWith(reason.name() + ": ");
  }

  private static byte[] header(int h, int w, int c, int enc, String id, int pixelBytes) {
    return header(h, w, c, enc, id, pixelBytes, 1);
  }

  /** Hand-built bytes, bypassing the encoder's checks, with zeroed pixels. */
  private static byte[] header(int h, int w, int c, int enc, String id, int pixelBytes, int label) {
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b =
        ByteBuffer.allocate(20 + idBytes.length + Math.max(0, Math.min(pixelBytes, 1 << 16)));
    b.putInt(ImageRecordCodec.MAGIC).put((byte) 1).put((byte) enc).putShort((short) label);
    b.putShort((short) h).putShort((short) w).put((byte) c).put((byte) 0);
    b.putShort((short) idBytes.length).put(idBytes).putInt(pixelBytes);
    return b.array();
  }

  /** Replaces the zeroed pixel bytes at the end of {@code record} with {@code pixels}. */
  private static byte[] withPixels(byte[] record, byte[] pixels) {
    byte[] out = record.clone();
    System.arraycopy(pixels, 0, out, out.length - pixels.length, pixels.length);
    return out;
  }

  private static byte[] write(BufferedImage img, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, format, out);
    return out.toByteArray();
  }
}

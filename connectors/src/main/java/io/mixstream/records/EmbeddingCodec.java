package io.mixstream.records;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The two encodings of the {@code embeddings} topic's values (the key is the image id, UTF-8).
 *
 * <p>Binary, version 1, big-endian: magic {@code "MXEM"} (4 bytes), version (1 byte = 1), step
 * (int64), label (int32, -1 = none), model key (uint16 length + UTF-8), image id (uint16 length +
 * UTF-8), dimension d (int32), then d float32 values.
 *
 * <p>JSON: one object per record, {@code {"model":..,"id":..,"label":..,"step":..,"vector":[..]}};
 * a reader tells the two apart by the first byte ({@code '{'} or {@code 'M'}).
 */
public final class EmbeddingCodec {
  private static final byte[] MAGIC = {'M', 'X', 'E', 'M'};
  private static final int VERSION = 1;
  private static final int MAX_DIM = 1 << 16;

  /** Which encoding a writer uses. */
  public enum Format {
    BINARY,
    JSON
  }

  private EmbeddingCodec() {}

  public static byte[] encode(EmbeddingRecord r, Format format) {
    return format == Format.JSON ? json(r).getBytes(StandardCharsets.UTF_8) : binary(r);
  }

  private static byte[] binary(EmbeddingRecord r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 4 * r.vector().length);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(MAGIC);
      out.writeByte(VERSION);
      out.writeLong(r.step());
      out.writeInt(r.label());
      writeString(out, r.modelKey());
      writeString(out, r.imageId());
      out.writeInt(r.vector().length);
      for (float v : r.vector()) {
        out.writeFloat(v);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > 0xFFFF) {
      throw new IllegalArgumentException("string of " + b.length + " bytes is too long");
    }
    out.writeShort(b.length);
    out.write(b);
  }

  /** The JSON form of one record, on one line. */
  public static String json(EmbeddingRecord r) {
    JsonObject o = new JsonObject();
    o.addProperty("model", r.modelKey());
    o.addProperty("id", r.imageId());
    o.addProperty("label", r.label());
    o.addProperty("step", r.step());
    JsonArray v = new JsonArray(r.vector().length);
    for (float x : r.vector()) {
      v.add(x);
    }
    o.add("vector", v);
    return o.toString();
  }

  /**
   * Decodes either encoding.
   *
   * @throws IllegalArgumentException naming what is wrong with the bytes
   */
  public static EmbeddingRecord decode(byte[] bytes) {
    if (bytes.length > 0 && bytes[0] == '{') {
      return decodeJson(new String(bytes, StandardCharsets.UTF_8));
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      for (byte m : MAGIC) {
        if (in.get() != m) {
          throw new IllegalArgumentException("not an embedding record (bad magic)");
        }
      }
      int version = in.get();
      if (version != VERSION) {
        throw new IllegalArgumentException("embedding record version " + version + " is not 1");
      }
      long step = in.getLong();
      int label = in.getInt();
      String model = readString(in);
      String id = readString(in);
      int dim = in.getInt();
      if (dim < 0 || dim > MAX_DIM || in.remaining() != 4L * dim) {
        throw new IllegalArgumentException(
            "embedding record of dimension %d has %d bytes of values"
                .formatted(dim, in.remaining()));
      }
      float[] v = new float[dim];
      in.asFloatBuffer().get(v);
      return new EmbeddingRecord(model, id, label, step, v);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException(
          "truncated embedding record of " + bytes.length + " bytes", e);
    }
  }

  private static String readString(ByteBuffer in) {
    int n = Short.toUnsignedInt(in.getShort());
    byte[] b = new byte[n];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static EmbeddingRecord decodeJson(String s) {
    try {
      JsonObject o = JsonParser.parseString(s).getAsJsonObject();
      JsonArray a = o.getAsJsonArray("vector");
      float[] v = new float[a.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = a.get(i).getAsFloat();
      }
      return new EmbeddingRecord(
          o.get("model").getAsString(),
          o.get("id").getAsString(),
          o.get("label").getAsInt(),
          o.get("step").getAsLong(),
          v);
    } catch (JsonParseException
        | IllegalStateException
        | NullPointerException
        | UnsupportedOperationException
        | ClassCastException e) {
      throw new IllegalArgumentException("not an embedding record in JSON: " + e.getMessage(), e);
    }
  }
}

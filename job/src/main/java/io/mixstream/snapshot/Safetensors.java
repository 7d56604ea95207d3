package io.mixstream.snapshot;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors file format (Hugging Face): an 8-byte little-endian header length, a JSON header
 * naming each tensor's dtype, shape and byte range, then the little-endian data. Only the two
 * dtypes a snapshot needs: F32 (weights, BN statistics) and I64 (BN's num_batches_tracked).
 */
public final class Safetensors {
  private static final Gson GSON = new Gson();
  private static final long MAX_HEADER = 100L << 20;

  private Safetensors() {}

  /** One tensor: its shape and its values as floats (F32) or longs (I64). */
  public record Tensor(long[] shape, float[] floats, long[] longs) {
    public static Tensor f32(long[] shape, float[] values) {
      return new Tensor(shape, values, null);
    }

    public static Tensor i64(long[] shape, long[] values) {
      return new Tensor(shape, null, values);
    }

    public String dtype() {
      return floats != null ? "F32" : "I64";
    }

    long elements() {
      return floats != null ? floats.length : longs.length;
    }
  }

  /** A file's tensors in file order, and its string metadata. */
  public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

  public static byte[] write(Map<String, Tensor> tensors, Map<String, String> metadata) {
    JsonObject header = new JsonObject();
    if (!metadata.isEmpty()) {
      JsonObject meta = new JsonObject();
      metadata.forEach(meta::addProperty);
      header.add("__metadata__", meta);
    }
    long offset = 0;
    for (var e : tensors.entrySet()) {
      Tensor t = e.getValue();
      if (Arrays.stream(t.shape()).reduce(1, (a, b) -> a * b) != t.elements()) {
        throw new IllegalArgumentException(
            e.getKey() + ": shape " + Arrays.toString(t.shape()) + " vs " + t.elements());
      }
      JsonObject info = new JsonObject();
      info.addProperty("dtype", t.dtype());
      info.add("shape", GSON.toJsonTree(t.shape()));
      long end = offset + t.elements() * (t.floats() != null ? 4 : 8);
      info.add("data_offsets", GSON.toJsonTree(new long[] {offset, end}));
      header.add(e.getKey(), info);
      offset = end;
    }
    byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8; // the data starts 8-byte aligned, as upstream does
    ByteBuffer out =
        ByteBuffer.allocate(Math.toIntExact(8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(padded).put(json);
    for (int i = json.length; i < padded; i++) {
      out.put((byte) ' ');
    }
    for (Tensor t : tensors.values()) {
      if (t.floats() != null) {
        out.asFloatBuffer().put(t.floats());
        out.position(out.position() + 4 * t.floats().length);
      } else {
        out.asLongBuffer().put(t.longs());
        out.position(out.position() + 8 * t.longs().length);
      }
    }
    return out.array();
  }

  /**
   * The metadata alone, without reading any tensor.
   *
   * @throws IllegalArgumentException when the bytes do not start with a safetensors header
   */
  public static Map<String, String> readMetadata(byte[] bytes) {
    return metadata(header(bytes));
  }

  private static JsonObject header(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < 8) {
      throw new IllegalArgumentException("not a safetensors file: " + bytes.length + " bytes");
    }
    long headerLength = in.getLong();
    if (headerLength < 2 || headerLength > MAX_HEADER || 8 + headerLength > bytes.length) {
      throw new IllegalArgumentException(
          "not a safetensors file: header length " + headerLength + " of " + bytes.length);
    }
    try {
      return GSON.fromJson(
          new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8), JsonObject.class);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("safetensors header is not JSON: " + e.getMessage(), e);
    }
  }

  private static Map<String, String> metadata(JsonObject header) {
    Map<String, String> metadata = new LinkedHashMap<>();
    JsonElement meta = header.get("__metadata__");
    if (meta != null) {
      meta.getAsJsonObject()
          .entrySet()
          .forEach(m -> metadata.put(m.getKey(), m.getValue().getAsString()));
    }
    return metadata;
  }

  /**
   * @throws IllegalArgumentException when the bytes are not a safetensors file of F32/I64 tensors
   */
  public static Contents read(byte[] bytes) {
    JsonObject header = header(bytes);
    long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    int dataStart = 8 + (int) headerLength;
    Map<String, String> metadata = metadata(header);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : header.entrySet()) {
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      JsonObject info = e.getValue().getAsJsonObject();
      String dtype = info.get("dtype").getAsString();
      long[] shape = GSON.fromJson(info.get("shape"), long[].class);
      long[] range = GSON.fromJson(info.get("data_offsets"), long[].class);
      long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
      int width =
          switch (dtype) {
            case "F32" -> 4;
            case "I64" -> 8;
            default ->
                throw new IllegalArgumentException(
                    e.getKey() + ": dtype " + dtype + " is not supported (F32 and I64 are)");
          };
      if (range.length != 2
          || range[1] - range[0] != n * width
          || range[0] < 0
          || dataStart + range[1] > bytes.length) {
        throw new IllegalArgumentException(
            e.getKey()
                + ": data_offsets "
                + Arrays.toString(range)
                + " do not fit shape "
                + Arrays.toString(shape)
                + " in a file of "
                + bytes.length
                + " bytes");
      }
      ByteBuffer slice =
          ByteBuffer.wrap(bytes, dataStart + (int) range[0], (int) (n * width))
              .slice()
              .order(ByteOrder.LITTLE_ENDIAN);
      if (width == 4) {
        float[] v = new float[(int) n];
        slice.asFloatBuffer().get(v);
        tensors.put(e.getKey(), Tensor.f32(shape, v));
      } else {
        long[] v = new long[(int) n];
        slice.asLongBuffer().get(v);
        tensors.put(e.getKey(), Tensor.i64(shape, v));
      }
    }
    return new Contents(tensors, metadata);
  }
}

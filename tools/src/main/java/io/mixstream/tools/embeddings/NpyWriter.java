package io.mixstream.tools.embeddings;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * NumPy's .npy format, version 1.0: magic, a Python-dict header padded to a multiple of 64 bytes,
 * then the little-endian data in C order. {@code numpy.load} reads it.
 */
public final class NpyWriter {
  private NpyWriter() {}

  /** A [rows, cols] float32 matrix, row-major. */
  public static void writeFloat32(Path file, float[] values, int rows, int cols)
      throws IOException {
    if ((long) rows * cols != values.length) {
      throw new IllegalArgumentException(rows + "x" + cols + " != " + values.length);
    }
    ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    data.asFloatBuffer().put(values);
    write(file, "<f4", "(%d, %d)".formatted(rows, cols), data.array());
  }

  /** A [n] int64 vector. */
  public static void writeInt64(Path file, long[] values) throws IOException {
    ByteBuffer data = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    data.asLongBuffer().put(values);
    write(file, "<i8", "(%d,)".formatted(values.length), data.array());
  }

  /** A uint8 array of the given shape, C order (e.g. CIFAR images as [n, 3, 32, 32]). */
  public static void writeUint8(Path file, byte[] values, int... shape) throws IOException {
    StringBuilder dims = new StringBuilder("(");
    long n = 1;
    for (int d : shape) {
      dims.append(d).append(", ");
      n *= d;
    }
    if (n != values.length) {
      throw new IllegalArgumentException(dims + ") != " + values.length);
    }
    write(file, "|u1", dims.append(")").toString(), values);
  }

  private static void write(Path file, String descr, String shape, byte[] data) throws IOException {
    StringBuilder header =
        new StringBuilder(
            "{'descr': '%s', 'fortran_order': False, 'shape': %s, }".formatted(descr, shape));
    int preamble = 6 + 2 + 2; // magic, version, header length
    while ((preamble + header.length() + 1) % 64 != 0) {
      header.append(' ');
    }
    header.append('\n');
    byte[] h = header.toString().getBytes(StandardCharsets.US_ASCII);
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
      out.write(h.length & 0xFF);
      out.write(h.length >>> 8);
      out.write(h);
      out.write(data);
    }
  }
}

package io.mixstream.cifar;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads the official CIFAR-10 binary version: a folder of {@code data_batch_1..5.bin} and {@code
 * test_batch.bin} (or a folder holding {@code cifar-10-batches-bin/}), or the official {@code
 * cifar-10-binary.tar.gz} itself, without unpacking it to disk.
 */
public final class Cifar10Reader {
  private static final String EXPECTED =
      "the CIFAR-10 binary version: a folder with data_batch_1.bin .. data_batch_5.bin and"
          + " test_batch.bin, or the official cifar-10-binary.tar.gz";

  private Cifar10Reader() {}

  public static Cifar10Dataset read(Path path, CifarSplit split) throws IOException {
    if (!Files.exists(path)) {
      throw new CifarFormatException("%s does not exist; expected %s".formatted(path, EXPECTED));
    }
    Map<String, byte[]> batches =
        Files.isDirectory(path) ? readFolder(path, split.files()) : readTarGz(path, split.files());
    int total = 0;
    for (String name : split.files()) {
      total += checkedRecordCount(path, name, batches.get(name));
    }
    byte[] labels = new byte[total];
    byte[] pixels = new byte[total * Cifar10Dataset.IMAGE_BYTES];
    int n = 0;
    for (String name : split.files()) {
      byte[] batch = batches.get(name);
      for (int off = 0; off < batch.length; off += Cifar10Dataset.RECORD_BYTES, n++) {
        int label = batch[off];
        if (label < 0 || label >= Cifar10Dataset.CLASSES) {
          throw new CifarFormatException(
              "%s in %s: record %d has label byte %d, CIFAR-10 labels are 0 to 9 (corrupt batch?)"
                  .formatted(name, path, off / Cifar10Dataset.RECORD_BYTES, label & 0xFF));
        }
        labels[n] = (byte) label;
        System.arraycopy(
            batch, off + 1, pixels, n * Cifar10Dataset.IMAGE_BYTES, Cifar10Dataset.IMAGE_BYTES);
      }
    }
    return new Cifar10Dataset(split, labels, pixels);
  }

  private static int checkedRecordCount(Path source, String name, byte[] batch)
      throws CifarFormatException {
    if (batch == null) {
      throw new CifarFormatException("%s has no %s; expected %s".formatted(source, name, EXPECTED));
    }
    if (batch.length == 0 || batch.length % Cifar10Dataset.RECORD_BYTES != 0) {
      throw new CifarFormatException(
          "%s in %s is %d bytes, not a whole number of %d-byte records (truncated or corrupt)"
              .formatted(name, source, batch.length, Cifar10Dataset.RECORD_BYTES));
    }
    return batch.length / Cifar10Dataset.RECORD_BYTES;
  }

  private static Map<String, byte[]> readFolder(Path dir, List<String> names) throws IOException {
    Path nested = dir.resolve("cifar-10-batches-bin");
    Path base = Files.isDirectory(nested) ? nested : dir;
    Map<String, byte[]> found = new HashMap<>();
    for (String name : names) {
      Path file = base.resolve(name);
      if (Files.isRegularFile(file)) {
        found.put(name, Files.readAllBytes(file));
      }
    }
    return found;
  }

  /** A minimal ustar reader: enough for the official archive, which holds only plain files. */
  private static Map<String, byte[]> readTarGz(Path archive, List<String> names)
      throws IOException {
    Map<String, byte[]> found = new HashMap<>();
    try (InputStream in =
        new BufferedInputStream(new GZIPInputStream(Files.newInputStream(archive), 1 << 16))) {
      byte[] header = new byte[512];
      while (true) {
        if (!readFully(in, header)) {
          break; // archives may end without the two zero blocks
        }
        if (isZero(header)) {
          break;
        }
        String name = tarString(header, 0, 100);
        String prefix = tarString(header, 345, 155);
        String fullName = prefix.isEmpty() ? name : prefix + "/" + name;
        long size = tarOctal(archive, header, 124, 12);
        String base = fullName.substring(fullName.lastIndexOf('/') + 1);
        byte type = header[156];
        boolean regular = type == '0' || type == 0;
        if (regular && names.contains(base)) {
          if (size > Integer.MAX_VALUE - 8) {
            throw new CifarFormatException(archive + ": entry " + fullName + " is too large");
          }
          byte[] data = new byte[(int) size];
          if (!readFully(in, data)) {
            throw new CifarFormatException(
                "%s ends inside %s (truncated download?)".formatted(archive, fullName));
          }
          found.put(base, data);
          skipFully(in, archive, padding(size));
        } else {
          skipFully(in, archive, size + padding(size));
        }
      }
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      throw new CifarFormatException(
          "%s is not a readable .tar.gz (%s); expected %s"
              .formatted(archive, e.getMessage(), EXPECTED));
    }
    return found;
  }

  private static long padding(long size) {
    return (512 - size % 512) % 512;
  }

  private static boolean readFully(InputStream in, byte[] buf) throws IOException {
    int n = in.readNBytes(buf, 0, buf.length);
    return n == buf.length;
  }

  private static void skipFully(InputStream in, Path archive, long n) throws IOException {
    try {
      in.skipNBytes(n);
    } catch (java.io.EOFException e) {
      throw new CifarFormatException(archive + " ends inside an entry (truncated download?)");
    }
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static String tarString(byte[] header, int off, int len) {
    int end = off;
    while (end < off + len && header[end] != 0) {
      end++;
    }
    return new String(header, off, end - off, java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static long tarOctal(Path archive, byte[] header, int off, int len)
      throws CifarFormatException {
    String s = tarString(header, off, len).trim();
    try {
      return s.isEmpty() ? 0 : Long.parseLong(s, 8);
    } catch (NumberFormatException e) {
      throw new CifarFormatException(
          archive + " has a corrupt tar header (size field '" + s + "')");
    }
  }
}

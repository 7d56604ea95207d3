package io.mixstream.tools.demo;

import io.mixstream.tools.replay.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Fetches the official {@code cifar-10-binary.tar.gz} once, with a progress line and the MD5 the
 * CIFAR page publishes, into a cache file that later runs reuse. The readers take the archive as it
 * is; nothing is unpacked.
 */
public final class CifarDownload {
  public static final URI OFFICIAL =
      URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");
  public static final String OFFICIAL_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";

  private CifarDownload() {}

  /**
   * The archive at {@code target}, downloaded first if it is not there.
   *
   * @throws IOException naming the URL, the reason, and what to pass instead
   */
  public static Path ensure(Path target, URI url, String md5, PrintStream out) throws IOException {
    if (Files.isRegularFile(target)) {
      return target;
    }
    Files.createDirectories(target.getParent());
    Path partial = target.resolveSibling(target.getFileName() + ".part");
    out.printf("downloading CIFAR-10 from %s to %s%n", url, target);
    try {
      HttpClient http =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(20))
              .followRedirects(HttpClient.Redirect.NORMAL)
              .build();
      HttpResponse<InputStream> r =
          http.send(
              HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 200) {
        r.body().close();
        throw new IOException("HTTP " + r.statusCode());
      }
      long total = r.headers().firstValueAsLong("content-length").orElse(-1);
      MessageDigest digest = MessageDigest.getInstance("MD5");
      Progress progress = new Progress(out, "bytes", total, Progress.stdoutIsTerminal());
      long done = 0;
      try (InputStream in = r.body();
          OutputStream file = Files.newOutputStream(partial)) {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          file.write(buf, 0, n);
          digest.update(buf, 0, n);
          done += n;
          progress.update(done);
        }
      }
      progress.finish(done);
      String got = HexFormat.of().formatHex(digest.digest());
      if (!got.equalsIgnoreCase(md5)) {
        Files.deleteIfExists(partial);
        throw new IOException(
            "checksum mismatch: MD5 " + got + ", expected " + md5 + " (the download was deleted)");
      }
      Files.move(
          partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      out.printf("CIFAR-10 saved to %s (MD5 ok)%n", target);
      return target;
    } catch (IOException e) {
      Files.deleteIfExists(partial);
      throw new IOException(
          "could not download CIFAR-10 from %s (%s). Without network, pass --data PATH: a folder of"
                  .formatted(url, e.getMessage() == null ? e.toString() : e.getMessage())
              + " the binary batches (data_batch_1.bin ... test_batch.bin) or cifar-10-binary.tar.gz"
              + " copied from https://www.cs.toronto.edu/~kriz/cifar.html",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("download interrupted", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

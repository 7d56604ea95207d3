package io.mixstream.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download against a local HTTP server (these machines reach no CIFAR mirror). */
class CifarDownloadTest {
  @Test
  void downloadsOnceChecksTheMd5AndExplainsWhatToDoWithoutNetwork(@TempDir Path tmp)
      throws Exception {
    byte[] body = new byte[300_000];
    new java.util.SplittableRandom(3).nextBytes(body);
    String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    int[] requests = {0};
    server.createContext(
        "/cifar.tar.gz",
        x -> {
          requests[0]++;
          x.sendResponseHeaders(200, body.length);
          try (var out = x.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    try {
      URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/cifar.tar.gz");
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
      Path target = tmp.resolve("cache/cifar-10-binary.tar.gz");

      assertThat(CifarDownload.ensure(target, url, md5, out)).isEqualTo(target);
      assertThat(Files.readAllBytes(target)).isEqualTo(body);
      assertThat(log.toString(StandardCharsets.UTF_8))
          .contains("downloading CIFAR-10 from " + url, "MD5 ok");
      CifarDownload.ensure(target, url, md5, out); // cached: no second request
      assertThat(requests[0]).isEqualTo(1);

      Path other = tmp.resolve("other/cifar-10-binary.tar.gz");
      assertThatThrownBy(() -> CifarDownload.ensure(other, url, "0".repeat(32), out))
          .hasMessageContaining("checksum mismatch: MD5 " + md5)
          .hasMessageContaining("pass --data PATH");
      assertThat(other).doesNotExist();
      assertThat(other.resolveSibling("cifar-10-binary.tar.gz.part")).doesNotExist();
    } finally {
      server.stop(0);
    }
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    URI nowhere = URI.create("http://127.0.0.1:" + closed + "/cifar.tar.gz");
    assertThatThrownBy(
            () ->
                CifarDownload.ensure(
                    tmp.resolve("x/c.tar.gz"),
                    nowhere,
                    "0",
                    new PrintStream(new ByteArrayOutputStream())))
        .hasMessageContaining("could not download CIFAR-10 from " + nowhere)
        .hasMessageContaining("pass --data PATH")
        .hasMessageContaining("cifar-10-binary.tar.gz");
  }
}

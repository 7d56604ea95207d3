package io.mixstream.tools.cluster;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** The few calls of Flink's REST API a user (or a test) submits and watches a job with. */
public final class FlinkRest {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Supplier<Collection<String>> bases;
  private volatile String base;

  public FlinkRest(String base) {
    this(() -> List.of(base));
  }

  /**
   * A client of whichever of several JobManagers answers: with high availability only the leader
   * serves the job (a standby answers 503), and the leader changes when it dies.
   *
   * @param bases the REST addresses to try, asked again after each failure
   */
  public FlinkRest(Supplier<Collection<String>> bases) {
    this.bases = bases;
    this.base = bases.get().iterator().next();
  }

  /** The address that answered last. */
  public String base() {
    return base;
  }

  public JsonObject get(String path) throws IOException, InterruptedException {
    IOException failed = null;
    List<String> order = new ArrayList<>();
    order.add(base);
    bases.get().stream().filter(b -> !b.equals(base)).forEach(order::add);
    for (String b : order) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(b + path))
                    .timeout(Duration.ofSeconds(20))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonObject o = parse(path, r);
        base = b;
        return o;
      } catch (IOException e) {
        failed = e;
      }
    }
    throw failed;
  }

  /** Waits for {@code test} to hold on GET {@code path}, polling; fails with the last answer. */
  public JsonObject await(String path, Predicate<JsonObject> test, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        JsonObject o = get(path);
        if (test.test(o)) {
          return o;
        }
        last = o.toString();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(300);
    }
    throw new TimeoutException(
        "GET " + path + " did not get there in " + timeout + "; last: " + last);
  }

  /** POST /jars/upload (multipart, field jarfile): the jar's id on the cluster. */
  public String uploadJar(Path jar) throws IOException, InterruptedException {
    String boundary = "mixstream" + System.nanoTime();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName()
                + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(jar));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    String filename = parse("/jars/upload", r).get("filename").getAsString();
    return Path.of(filename).getFileName().toString();
  }

  /** POST /jars/:id/run: the job's id. */
  public String run(String jarId, String entryClass, List<String> args)
      throws IOException, InterruptedException {
    JsonObject req = new JsonObject();
    req.addProperty("entryClass", entryClass);
    JsonArray a = new JsonArray();
    args.forEach(a::add);
    req.add("programArgsList", a);
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/jars/" + jarId + "/run"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(req.toString()))
                .timeout(Duration.ofSeconds(120))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return parse("/jars/" + jarId + "/run", r).get("jobid").getAsString();
  }

  private static JsonObject parse(String path, HttpResponse<String> r) throws IOException {
    JsonElement e;
    try {
      e = JsonParser.parseString(r.body());
    } catch (RuntimeException ex) {
      throw new IOException(path + ": HTTP " + r.statusCode() + ", not JSON: " + r.body(), ex);
    }
    if (r.statusCode() >= 400 || !e.isJsonObject()) {
      throw new IOException(path + ": HTTP " + r.statusCode() + ": " + r.body());
    }
    return e.getAsJsonObject();
  }
}

package io.mixstream.job;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/** Reads a running job's metrics the way the dashboard does: through Flink's REST API. */
final class RestMetrics {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;
  private final String jid;

  /** Settings for a local environment with the web UI on 127.0.0.1:port. */
  static org.apache.flink.configuration.Configuration webUi(int port) {
    return org.apache.flink.configuration.Configuration.fromMap(
        java.util.Map.of("rest.port", String.valueOf(port), "rest.bind-address", "127.0.0.1"));
  }

  RestMetrics(int port, String jobId) {
    this.base = "http://127.0.0.1:" + port;
    this.jid = jobId;
  }

  JsonNode get(String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  /** The id of the first vertex whose name contains {@code nameContains}. */
  String vertex(String nameContains) throws Exception {
    for (JsonNode v : get("/jobs/" + jid).get("vertices")) {
      if (v.get("name").asText().contains(nameContains)) {
        return v.get("id").asText();
      }
    }
    throw new AssertionError("no vertex named *" + nameContains + "* in job " + jid);
  }

  /** The first metric of the vertex whose id ends with "." + name (or is name); NaN if none. */
  double metric(String vertex, String name) throws Exception {
    String path = "/jobs/" + jid + "/vertices/" + vertex + "/metrics";
    for (JsonNode m : get(path)) {
      String id = m.get("id").asText();
      if (id.equals(name) || id.endsWith("." + name)) {
        JsonNode values = get(path + "?get=" + id);
        return values.size() == 0 ? Double.NaN : values.get(0).get("value").asDouble();
      }
    }
    return Double.NaN;
  }
}

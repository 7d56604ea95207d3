package io.mixstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.Method;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.EmbeddingCodec;
import io.mixstream.testing.SharedData;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's, the decoder's and the kNN evaluator's metrics, read the way the dashboard reads
 * them: through Flink's REST API. Waits on the step gauge instead of sleeping.
 */
class DashboardMetricsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void lossStepQueueFillAndDeadLettersAreVisibleThroughTheRestApi(@TempDir Path tmp)
      throws Exception {
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0)) {
      JobFixtures fx =
          new JobFixtures(broker, Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST), tmp);
      fx.produce("dash", 320, 40);
      fx.produce("dash-bank", fx.cifar(), 1000, 64);
      fx.produce("dash-test", fx.cifar(), 2000, 32);
      JobConfig plain = fx.job(Method.MOCO, "dash", "dash", 1, false);
      JobConfig c =
          plain.withEvaluation(
              new EvaluationConfig(
                  5,
                  "dash-bank",
                  "dash-test",
                  64,
                  32,
                  20,
                  0.1,
                  "dash-metrics",
                  "dash-embeddings",
                  EmbeddingCodec.Format.JSON,
                  tmp.resolve("snapshots")));
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Configuration conf = MixstreamJob.flinkConfiguration(c);
      Map<String, String> rest = new HashMap<>();
      rest.put("rest.port", String.valueOf(port));
      rest.put("rest.bind-address", "127.0.0.1");
      conf.addAll(Configuration.fromMap(rest));
      StreamExecutionEnvironment env =
          StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
      env.setParallelism(1);
      MixstreamJob.build(env, c).print();
      JobClient job = env.executeAsync("dashboard test");
      try {
        String base = "http://127.0.0.1:" + port;
        String jid = job.getJobID().toHexString();
        String trainer = vertex(base, jid, "train");
        String decoder = vertex(base, jid, "decode and validate images");
        String evaluator = vertex(base, jid, "kNN evaluator");
        double step = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!(step >= 10) && System.nanoTime() < deadline) {
          step = metric(base, jid, trainer, "step");
          Thread.sleep(200);
        }
        assertThat(step).as("step gauge").isEqualTo(10); // 320 images, batch 32
        assertThat(metric(base, jid, trainer, "loss")).isFinite().isPositive();
        assertThat(metric(base, jid, trainer, "learningRate")).isPositive();
        assertThat(metric(base, jid, trainer, "queueFillOriginal")).isEqualTo(1.0);
        assertThat(metric(base, jid, trainer, "loss_original")).isFinite();
        assertThat(metric(base, jid, trainer, "modelVersion")).isEqualTo(10);
        assertThat(metric(base, jid, decoder, "deadLetters")).isEqualTo(8);
        double knnStep = -1;
        while (!(knnStep >= 10) && System.nanoTime() < deadline) {
          knnStep = metric(base, jid, evaluator, "knnStep");
          Thread.sleep(200);
        }
        assertThat(knnStep).as("step of the last kNN evaluation").isEqualTo(10);
        assertThat(metric(base, jid, evaluator, "knnAccuracy")).isBetween(0.0, 1.0);
        assertThat(metric(base, jid, evaluator, "knnFloor")).isBetween(0.0, 1.0);
        assertThat(metric(base, jid, evaluator, "knnImagesLoaded")).isEqualTo(96);
      } finally {
        job.cancel().get();
      }
    }
  }

  private JsonNode get(String url) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  private String vertex(String base, String jid, String nameContains) throws Exception {
    for (JsonNode v : get(base + "/jobs/" + jid).get("vertices")) {
      if (v.get("name").asText().contains(nameContains)) {
        return v.get("id").asText();
      }
    }
    throw new AssertionError("no vertex named *" + nameContains + "* in job " + jid);
  }

  /** The value of the first metric of the vertex whose id ends with "." + name (or is name). */
  private double metric(String base, String jid, String vertex, String name) throws Exception {
    String url = base + "/jobs/" + jid + "/vertices/" + vertex + "/metrics";
    for (JsonNode m : get(url)) {
      String id = m.get("id").asText();
      if (id.equals(name) || id.endsWith("." + name)) {
        JsonNode values = get(url + "?get=" + id);
        return values.size() == 0 ? Double.NaN : values.get(0).get("value").asDouble();
      }
    }
    return Double.NaN;
  }
}

package io.mixstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.Method;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.EmbeddingCodec;
import io.mixstream.testing.SharedData;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's, the decoder's and the kNN evaluator's metrics, read the way the dashboard reads
 * them: through Flink's REST API. Waits on the step gauge instead of sleeping.
 */
@Tag("integration")
class DashboardMetricsTest {
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
      EvaluationConfig.Builder e = EvaluationConfig.defaults(tmp.resolve("snapshots")).toBuilder();
      e.evalEvery = 5;
      e.knnBankTopic = "dash-bank";
      e.knnTestTopic = "dash-test";
      e.knnBankSize = 64;
      e.knnTestSize = 32;
      e.knnK = 20;
      e.metricsTopic = "dash-metrics";
      e.embeddingsTopic = "dash-embeddings";
      e.embeddingsFormat = EmbeddingCodec.Format.JSON;
      JobConfig.Builder b = plain.toBuilder();
      b.evaluation = e.build();
      JobConfig c = b.build();
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Configuration conf = MixstreamJob.flinkConfiguration(c);
      conf.addAll(RestMetrics.webUi(port));
      StreamExecutionEnvironment env =
          StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
      env.setParallelism(1);
      MixstreamJob.build(env, c).print();
      JobClient job = env.executeAsync("dashboard test");
      try {
        RestMetrics rest = new RestMetrics(port, job.getJobID().toHexString());
        String trainer = rest.vertex("train");
        String decoder = rest.vertex("decode and validate images");
        String evaluator = rest.vertex("kNN evaluator");
        double step = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!(step >= 10) && System.nanoTime() < deadline) {
          step = rest.metric(trainer, "step");
          Thread.sleep(200);
        }
        assertThat(step).as("step gauge").isEqualTo(10); // 320 images, batch 32
        assertThat(rest.metric(trainer, "loss")).isFinite().isPositive();
        assertThat(rest.metric(trainer, "learningRate")).isPositive();
        assertThat(rest.metric(trainer, "queueFillOriginal"))
            .isEqualTo(1.0); // 320 keys into K 128; partial fills: TrainerMetricsTest
        assertThat(rest.metric(trainer, "loss_original")).isFinite();
        assertThat(rest.metric(trainer, "modelVersion")).isEqualTo(10);
        assertThat(rest.metric(decoder, "deadLetters")).isEqualTo(8);
        double knnStep = -1;
        while (!(knnStep >= 10) && System.nanoTime() < deadline) {
          knnStep = rest.metric(evaluator, "knnStep");
          Thread.sleep(200);
        }
        assertThat(knnStep).as("step of the last kNN evaluation").isEqualTo(10);
        assertThat(rest.metric(evaluator, "knnAccuracy")).isBetween(0.0, 1.0);
        assertThat(rest.metric(evaluator, "knnFloor")).isBetween(0.0, 1.0);
        assertThat(rest.metric(evaluator, "knnImagesLoaded")).isEqualTo(96);
      } finally {
        job.cancel().get();
      }
    }
  }
}

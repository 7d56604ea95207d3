package io.mixstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.JobConfig;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.training.StepResult;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.net.LocalPorts;
import io.mixstream.testing.SharedData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input far faster than the trainer: 6,400 images are on the topic before the job starts, and the
 * trainer takes tens of milliseconds a step. Flink's credit-based flow control must hold the Kafka
 * reader back (bounded memory: only a few network buffers of images between the reader and the
 * trainer, never the topic), and every image is trained exactly once.
 */
@Tag("integration")
class BackpressureTest {
  static final int BATCH = 32;
  static final int STEPS = 200;

  @Test
  void aFastProducerIsHeldBackAndNothingIsLost(@TempDir Path tmp) throws Exception {
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0)) {
      JobFixtures fx =
          new JobFixtures(broker, Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST), tmp);
      fx.produce("flood", fx.cifar(), 0, STEPS * BATCH);
      JobConfig base = fx.job(Method.MOCO, "flood", "flood", 1, true);
      TrainingConfig.Builder b = base.training().toBuilder();
      b.width = 8; // slow enough next to the reader
      b.batchSize = BATCH;
      JobConfig.Builder j = base.toBuilder();
      j.training = b.build();
      j.checkpointInterval = Duration.ofSeconds(1);
      JobConfig c = j.build();
      int port = LocalPorts.anyFree();
      Configuration conf = MixstreamJob.flinkConfiguration(c);
      conf.addAll(RestMetrics.webUi(port));
      // the dashboard's metric store refreshes every 10 s by default: too slow to watch this run
      conf.setString("metrics.fetcher.update-interval", "200 ms");
      StreamExecutionEnvironment env =
          StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
      env.setParallelism(1);
      CloseableIterator<StepResult> results = MixstreamJob.build(env, c).collectAsync();
      JobClient job = env.executeAsync("backpressure test");
      RestMetrics rest = new RestMetrics(port, job.getJobID().toHexString());
      String trainer = rest.vertex("train");
      String reader = rest.vertex("images from Kafka");

      // while it trains: how far is the reader ahead of the trainer?
      List<StepResult> steps = new ArrayList<>();
      Thread collector =
          new Thread(
              () -> {
                results.forEachRemaining(steps::add);
              });
      collector.start();
      long maxAhead = 0;
      int samples = 0;
      double backPressured = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
      while (collector.isAlive() && System.nanoTime() < deadline) {
        try {
          double step = rest.metric(trainer, "step");
          double offset = rest.metric(reader, "currentOffset");
          if (step >= 5 && step < STEPS - 20 && !Double.isNaN(offset)) {
            maxAhead = Math.max(maxAhead, (long) offset - (long) step * BATCH);
            backPressured =
                Math.max(backPressured, rest.metric(reader, "backPressuredTimeMsPerSecond"));
            samples++;
          }
        } catch (java.io.IOException endOfJob) {
          // the bounded job ended and its cluster (and REST endpoint) went down under us
        }
        Thread.sleep(250);
      }
      collector.join(60_000);
      results.close();
      System.out.printf(
          "reader ahead of the trainer by at most %d images (%d samples, topic %d); back-pressured up to %.0f ms/s%n",
          maxAhead, samples, STEPS * BATCH, backPressured);

      assertThat(samples).as("samples taken while training").isGreaterThan(5);
      // a few network buffers and the reader's fetch queue (seen: ~300 images), never the topic
      assertThat(maxAhead).as("images read but not yet trained").isLessThan(1000);
      assertThat(backPressured).as("the reader waited on the trainer").isGreaterThan(100);
      assertThat(steps).hasSize(STEPS);
      Set<String> ids = new HashSet<>();
      steps.forEach(s -> ids.addAll(List.of(s.imageIds)));
      assertThat(ids).hasSize(STEPS * BATCH);
    }
  }
}

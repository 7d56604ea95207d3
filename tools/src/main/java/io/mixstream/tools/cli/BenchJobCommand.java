package io.mixstream.tools.cli;

import ai.djl.Device;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.EvaluationConfig;
import io.mixstream.job.JobConfig;
import io.mixstream.job.MixstreamJob;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.operators.StepResult;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.tools.replay.Progress;
import io.mixstream.tools.replay.ReplayPlan;
import io.mixstream.tools.replay.Replayer;
import io.mixstream.train.MocoTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `mixstream bench job`: images/s through Kafka → Flink → trainer against the bare trainer loop
 * (decode + step) on the same config, with checkpoints off and every --checkpoint-interval.
 */
@Command(
    name = "job",
    mixinStandardHelpOptions = true,
    description = {
      "Throughput of the whole job (local broker, local Flink, RocksDB) against the bare trainer",
      "loop on the same images and config; prints images/s of each and the ratios."
    })
final class BenchJobCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, paramLabel = "PATH", description = "CIFAR-10 data.")
  Path data;

  @Option(
      names = "--method",
      defaultValue = "moco",
      description = "Method (default: ${DEFAULT-VALUE}).")
  String method;

  @Option(
      names = "--width",
      defaultValue = "16",
      description = "Stem width (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(
      names = "--batch",
      defaultValue = "64",
      description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--images",
      defaultValue = "12800",
      description = "Images per run (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(
      names = "--checkpoint-interval",
      defaultValue = "10",
      paramLabel = "SECONDS",
      description = "Checkpoint interval of the checkpointed run (default: ${DEFAULT-VALUE}).")
  int checkpointSeconds;

  @Mixin DeviceOption device;

  @Override
  public Integer call() throws Exception {
    Device dev = device.resolve();
    TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
    b.method = Method.parse(method);
    b.width = width;
    b.batchSize = batch;
    TrainingConfig config = b.build().validate();
    Cifar10Dataset train = Cifar10Reader.read(data, CifarSplit.TRAIN);
    int n = Math.min(images, train.size()) / batch * batch;

    double bare = bareLoop(config, dev, train, n);
    System.out.printf("bare trainer loop (decode + step): %.1f images/s%n", bare);

    Path work = Files.createTempDirectory("mixstream-bench-job");
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(work.resolve("kafka"), 0)) {
      new Replayer(broker.bootstrapServers(), Map.of())
          .replay(
              train,
              new ReplayPlan("bench", 1, false, false, 0, 0, n, 1, Duration.ofSeconds(30)),
              new Progress(System.out, "images", n, false));
      double noCheckpoints =
          jobRun(config, dev, broker, work.resolve("cp-off"), Duration.ofHours(1), "off");
      double checkpointed =
          jobRun(
              config,
              dev,
              broker,
              work.resolve("cp-on"),
              Duration.ofSeconds(checkpointSeconds),
              "on");
      System.out.printf(
          "job, checkpoints off: %.1f images/s = %.3f of the bare loop%n",
          noCheckpoints, noCheckpoints / bare);
      System.out.printf(
          "job, checkpoint every %d s: %.1f images/s = %.3f of the bare loop; checkpointing costs"
              + " %.1f%%%n",
          checkpointSeconds,
          checkpointed,
          checkpointed / bare,
          100 * (1 - checkpointed / noCheckpoints));
    }
    return 0;
  }

  /** Decode from bytes and step, as the job's operators do, minus Kafka and Flink. */
  private static double bareLoop(TrainingConfig c, Device dev, Cifar10Dataset train, int n)
      throws Exception {
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    List<byte[]> encoded = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      encoded.add(codec.encode(train.record(i)));
    }
    try (MocoTrainer trainer = new MocoTrainer(c, dev)) {
      int steps = n / c.batchSize();
      List<Double> stepTimes = new ArrayList<>();
      long start = 0;
      for (int s = 0; s < steps; s++) {
        if (s == 2) {
          start = System.nanoTime(); // after two warm-up steps, as the job's figure
        }
        byte[][] batch = new byte[c.batchSize()][];
        for (int i = 0; i < batch.length; i++) {
          batch[i] = codec.decode(encoded.get(s * c.batchSize() + i)).pixels();
        }
        double t = trainer.step(batch).stepSeconds();
        if (s >= 2) {
          stepTimes.add(t);
        }
      }
      java.util.Collections.sort(stepTimes);
      System.out.printf(
          "bare loop: median time inside a training step %.4f s%n",
          stepTimes.get(stepTimes.size() / 2));
      return (steps - 2) * c.batchSize() / ((System.nanoTime() - start) / 1e9);
    }
  }

  /** A bounded job over the topic; images/s between the end of step 2 and the last step. */
  private static double jobRun(
      TrainingConfig c,
      Device dev,
      LocalKafkaBroker broker,
      Path checkpoints,
      Duration interval,
      String name)
      throws Exception {
    JobConfig d = JobConfig.defaults(c, checkpoints);
    JobConfig job =
        new JobConfig(
            c,
            broker.bootstrapServers(),
            "bench",
            "bench-dead",
            "bench-" + name,
            Map.of(),
            d.modelKey(),
            dev.isGpu() ? "gpu" : "cpu",
            interval,
            checkpoints,
            true,
            1,
            EvaluationConfig.off(checkpoints.resolve("snapshots")));
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(MixstreamJob.flinkConfiguration(job));
    List<StepResult> steps = new ArrayList<>();
    try (CloseableIterator<StepResult> it =
        MixstreamJob.build(env, job).executeAndCollect("bench " + name)) {
      it.forEachRemaining(steps::add);
    }
    double[] stepTimes = steps.stream().skip(2).mapToDouble(r -> r.stepSeconds).sorted().toArray();
    System.out.printf(
        "job (%s): median time inside a training step %.4f s%n",
        name, stepTimes[stepTimes.length / 2]);
    StepResult second = steps.get(1);
    StepResult last = steps.get(steps.size() - 1);
    return (last.step - second.step)
        * c.batchSize()
        / ((last.wallMillis - second.wallMillis) / 1e3);
  }
}

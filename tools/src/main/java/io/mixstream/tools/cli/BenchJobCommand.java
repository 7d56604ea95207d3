package io.mixstream.tools.cli;

import ai.djl.Device;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.MixstreamJob;
import io.mixstream.job.faults.FailOnceAfterCheckpoint;
import io.mixstream.job.training.StepResult;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.kafka.TopicReader;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import io.mixstream.tools.options.DeviceOption;
import io.mixstream.tools.options.ModelChoice;
import io.mixstream.tools.replay.Progress;
import io.mixstream.tools.replay.ReplayPlan;
import io.mixstream.tools.replay.Replayer;
import io.mixstream.torch.TorchThreads;
import io.mixstream.train.MocoTrainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.FileUtils;
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
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--data", required = true, paramLabel = "PATH", description = "CIFAR-10 data.")
  Path data;

  @Option(
      names = "--images",
      defaultValue = "6400",
      description = "Images per run (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(
      names = "--rounds",
      defaultValue = "3",
      description =
          "Rounds of bare loop, job without and job with checkpoints; the medians of the"
              + " ratios are the result, the first round carries the JIT warm-up"
              + " (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--checkpoint-interval",
      defaultValue = "10",
      paramLabel = "SECONDS",
      description = "Checkpoint interval of the checkpointed run (default: ${DEFAULT-VALUE}).")
  int checkpointSeconds;

  @Option(
      names = "--torch-threads",
      defaultValue = "0",
      description =
          "libtorch threads of the trainer, in the bare loop and in the job alike; 0 = one per"
              + " core (default: ${DEFAULT-VALUE}).")
  int torchThreads;

  @Mixin ModelChoice model = new ModelChoice("moco", 16, "64");

  @Mixin DeviceOption device;

  @Override
  public Integer call() throws Exception {
    int batch = model.batch();
    if (rounds < 1 || images < 4 * batch) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "--rounds must be at least 1 and --images at least 4 x --batch-size (a rate needs steps)");
    }
    Device dev = device.resolve();
    TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
    model.applyTo(b);
    TrainingConfig config = b.build().validate();
    Cifar10Dataset train = Cifar10Reader.read(data, CifarSplit.TRAIN);
    int n = Math.min(images, train.size()) / batch * batch;
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    List<byte[]> encoded = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      encoded.add(codec.encode(train.record(i)));
    }

    Path work = Files.createTempDirectory("mixstream-bench-job");
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(work.resolve("kafka"), 0)) {
      benchmark(config, dev, train, n, encoded, broker, work);
    } finally {
      FileUtils.deleteDirectory(work.toFile()); // the topic and checkpoints: tens of MB a run
    }
    return 0;
  }

  private void benchmark(
      TrainingConfig config,
      Device dev,
      Cifar10Dataset train,
      int n,
      List<byte[]> encoded,
      LocalKafkaBroker broker,
      Path work)
      throws Exception {
    Map<String, List<Double>> ratios = new java.util.LinkedHashMap<>();
    new Replayer(broker.bootstrapServers(), Map.of())
        .replay(
            train,
            ReplayPlan.to("bench").limit(n).build(),
            new Progress(System.out, "images", n, false));
    for (int r = 1; r <= rounds; r++) {
      // on a thread that ends before the job starts, taking its OpenMP team along: a finished
      // loop's idle team would throttle the job's (TorchThreads says why)
      Rates bare =
          Rates.of(
              config,
              TorchThreads.callOnOwnThread(
                  torchThreads, "bare trainer loop", () -> bareLoop(config, dev, encoded)));
      JobConfig offConfig = jobConfig(config, dev, broker, work.resolve("off-" + r), 3600);
      JobConfig onConfig =
          jobConfig(config, dev, broker, work.resolve("on-" + r), checkpointSeconds);
      // alternate which job runs first: the later one of a round has found the JIT warmer
      Rates on = r % 2 == 0 ? Rates.of(config, run(onConfig, broker, null)) : null;
      Rates off = Rates.of(config, run(offConfig, broker, null));
      if (on == null) {
        on = Rates.of(config, run(onConfig, broker, null));
      }
      System.out.printf(
          "round %d, images/s (whole run / second half): bare loop %.1f / %.1f; job, checkpoints"
              + " off %.1f / %.1f (%.3f / %.3f of the bare loop); job, checkpoint every %d s %.1f"
              + " / %.1f (%.3f / %.3f)%n",
          r,
          bare.whole,
          bare.secondHalf,
          off.whole,
          off.secondHalf,
          off.whole / bare.whole,
          off.secondHalf / bare.secondHalf,
          checkpointSeconds,
          on.whole,
          on.secondHalf,
          on.whole / bare.whole,
          on.secondHalf / bare.secondHalf);
      add(ratios, "job, checkpoints off / bare loop, whole run", off.whole / bare.whole);
      add(
          ratios,
          "job, checkpoints off / bare loop, second half",
          off.secondHalf / bare.secondHalf);
      add(ratios, "job, checkpoints on / bare loop, whole run", on.whole / bare.whole);
      add(ratios, "job, checkpoints on / bare loop, second half", on.secondHalf / bare.secondHalf);
      add(ratios, "checkpoints on / off, whole run", on.whole / off.whole);
      add(ratios, "checkpoints on / off, second half", on.secondHalf / off.secondHalf);
    }
    System.out.printf("medians over %d rounds:%n", rounds);
    ratios.forEach((name, values) -> System.out.printf("  %s: %.3f%n", name, median(values)));
    recovery(config, dev, broker, work.resolve("recovery"));
  }

  private static void add(Map<String, List<Double>> ratios, String name, double value) {
    ratios.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
  }

  /**
   * Images/s after the two warm-up steps, and over the second half of the run alone, to tell
   * warm-up effects (the JIT compiler is busy with Flink's and Kafka's code early in every job run)
   * from a steady cost.
   */
  private record Rates(double whole, double secondHalf) {
    static Rates of(TrainingConfig c, List<Step> steps) {
      return new Rates(rate(c, steps, 1), rate(c, steps, steps.size() / 2));
    }

    private static double rate(TrainingConfig c, List<Step> steps, int from) {
      Step first = steps.get(from);
      Step last = steps.get(steps.size() - 1);
      return (last.step() - first.step())
          * c.batchSize()
          / ((last.wallMillis() - first.wallMillis()) / 1e3);
    }
  }

  /** Decode from bytes and step, as the job's operators do, minus Kafka and Flink. */
  private static List<Step> bareLoop(TrainingConfig c, Device dev, List<byte[]> encoded)
      throws Exception {
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    try (MocoTrainer trainer = new MocoTrainer(c, dev)) {
      List<Step> steps = new ArrayList<>();
      for (int s = 0; s < encoded.size() / c.batchSize(); s++) {
        byte[][] batch = new byte[c.batchSize()][];
        for (int i = 0; i < batch.length; i++) {
          batch[i] = codec.decode(encoded.get(s * c.batchSize() + i)).pixels();
        }
        double t = trainer.step(batch).stepSeconds();
        steps.add(new Step(s + 1, t, 0, System.currentTimeMillis()));
      }
      System.out.printf(
          "bare loop: median time inside a training step %.4f s%n",
          median(steps.subList(2, steps.size()).stream().map(Step::stepSeconds).toList()));
      return steps;
    }
  }

  private JobConfig jobConfig(
      TrainingConfig c,
      Device dev,
      LocalKafkaBroker broker,
      Path checkpoints,
      int intervalSeconds) {
    JobConfig.Builder b = JobConfig.defaults(c, checkpoints).toBuilder();
    b.bootstrapServers = broker.bootstrapServers();
    b.imagesTopic = "bench";
    b.deadLetterTopic = "bench-dead";
    b.groupId = "bench-" + checkpoints.getFileName();
    b.modelKey = checkpoints.getFileName().toString(); // tells the runs apart on "metrics"
    b.device = dev.isGpu() ? "gpu" : "cpu";
    b.torchThreads = torchThreads;
    b.checkpointInterval = Duration.ofSeconds(intervalSeconds);
    b.bounded = true;
    b.evaluation = EvaluationConfig.off(checkpoints.resolve("snapshots"));
    return b.build();
  }

  /** One training step: its time inside the step, waiting for its batch, and when it ended. */
  private record Step(long step, double stepSeconds, double batchSeconds, long wallMillis) {}

  /**
   * Runs the bounded job (with {@code failure} after the trainer, if given) to its end and reads
   * its steps back from the metrics topic, as a user would: no collect sink polling beside it.
   */
  private static List<Step> run(
      JobConfig job, LocalKafkaBroker broker, FailOnceAfterCheckpoint<StepResult> failure)
      throws Exception {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(MixstreamJob.flinkConfiguration(job));
    DataStream<StepResult> out = MixstreamJob.build(env, job);
    if (failure != null) {
      out = out.map(failure).name("injected failure");
    }
    out.sinkTo(new DiscardingSink<>()).name("discard");
    env.execute("bench " + job.modelKey());
    List<Step> steps = new ArrayList<>();
    try (TopicReader reader =
        new TopicReader(
            broker.bootstrapServers(),
            Map.of(),
            job.evaluation().metricsTopic(),
            "the job writes it")) {
      for (byte[] value : reader.readAll(Duration.ofSeconds(30))) {
        if (MetricsCodec.decode(new String(value, StandardCharsets.UTF_8))
                instanceof MetricsRecord.Train t
            && t.model().equals(job.modelKey())) {
          steps.add(new Step(t.step(), t.stepSeconds(), t.batchSeconds(), t.time().toEpochMilli()));
        }
      }
    }
    List<Step> timed = steps.subList(2, steps.size());
    System.out.printf(
        "job (%s): median time inside a training step %.4f s, waiting for and assembling a batch"
            + " %.4f s, step to step %.4f s%n",
        job.modelKey(),
        median(timed.stream().map(Step::stepSeconds).toList()),
        median(timed.stream().map(Step::batchSeconds).toList()),
        median(
            IntStream.range(2, steps.size())
                .mapToObj(i -> (steps.get(i).wallMillis() - steps.get(i - 1).wallMillis()) / 1e3)
                .toList()));
    return steps;
  }

  /**
   * Checkpoints every second, a failure after step 20 once one is complete: the time from the
   * failure to the end of the first step trained again after the restore, less that step's own time
   * (so: failure detection, restart delay, redeploy, RocksDB and model restore, queue rebuild and
   * refilling the batch).
   */
  private void recovery(TrainingConfig c, Device dev, LocalKafkaBroker broker, Path checkpoints)
      throws Exception {
    FailOnceAfterCheckpoint.reset();
    List<Step> steps =
        run(
            jobConfig(c, dev, broker, checkpoints, 1),
            broker,
            FailOnceAfterCheckpoint.afterStep(20, 0));
    if (!FailOnceAfterCheckpoint.failed()) {
      System.out.println("recovery: no checkpoint completed before the end; use more --images");
      return;
    }
    long failedAt = FailOnceAfterCheckpoint.failedAtMillis();
    // the first step after the restore is the first one that repeats an earlier step number
    Step first = null;
    long highest = 0;
    for (Step r : steps) {
      if (r.step() <= highest) {
        first = r;
        break;
      }
      highest = r.step();
    }
    if (first == null) {
      System.out.println("recovery: the failure came after the last checkpoint's steps; rerun");
      return;
    }
    long distinct = steps.stream().mapToLong(Step::step).distinct().count();
    long last = steps.stream().mapToLong(Step::step).max().orElseThrow();
    System.out.printf(
        "recovery: failure after a checkpoint; training again %.2f s later (includes the job's 1 s"
            + " restart delay), from step %d; steps 1..%d all done (%s), %d trained again%n",
        (first.wallMillis() - failedAt) / 1e3 - first.stepSeconds(),
        first.step(),
        last,
        distinct == last ? "yes" : "NO: " + distinct + " distinct",
        steps.size() - distinct);
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    java.util.Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}

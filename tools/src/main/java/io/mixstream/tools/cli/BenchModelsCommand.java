package io.mixstream.tools.cli;

import ai.djl.Device;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.ModelSpec;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.MixstreamJob;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.kafka.TopicReader;
import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import io.mixstream.tools.options.DeviceOption;
import io.mixstream.tools.options.ModelChoice;
import io.mixstream.tools.replay.Progress;
import io.mixstream.tools.replay.ReplayPlan;
import io.mixstream.tools.replay.Replayer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.FileUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `mixstream bench models`: one job training 1, 2, ... N models side by side on one stream:
 * images/s per model and in all, and the CPU time of the task that reads and decodes the stream
 * (once, whatever the number of models).
 */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = {
      "Several models side by side: one job (local broker, local Flink, RocksDB, checkpoints",
      "every 10 s) with 1, 2, ... --max-models models of the same method and size (their seeds",
      "differ), on the same images; prints images/s per model and in all, and the CPU time of",
      "the Kafka reader and decoder task per 1,000 images."
    })
final class BenchModelsCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** Names the threads of the task that reads Kafka, decodes, validates and copies to models. */
  static final String READER_TASK = "images from Kafka"; // its task thread and fetcher thread

  @Option(names = "--data", required = true, paramLabel = "PATH", description = "CIFAR-10 data.")
  Path data;

  @Option(
      names = "--images",
      defaultValue = "3200",
      description = "Images in the stream; every model trains on all (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(
      names = "--max-models",
      defaultValue = "3",
      description = "Runs with 1 to this many models (default: ${DEFAULT-VALUE}).")
  int maxModels;

  @Option(
      names = "--rounds",
      defaultValue = "2",
      description = "Rounds of the runs; medians are the result (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Mixin ModelChoice model = new ModelChoice("moco", 16, "64");

  @Mixin DeviceOption device;

  @Override
  public Integer call() throws Exception {
    int batch = model.batch();
    if (rounds < 1 || maxModels < 1 || images < 8 * batch) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "--rounds and --max-models must be at least 1 and --images at least 8 x --batch");
    }
    Device dev = device.resolve();
    TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
    model.applyTo(b);
    TrainingConfig config = b.build().validate();
    Cifar10Dataset train = Cifar10Reader.read(data, CifarSplit.TRAIN);
    int n = Math.min(images, train.size()) / batch * batch;
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf(
        "%d images, %s width %d batch %d, %d cores; each of N models gets max(1, %d / N)"
            + " libtorch threads%n",
        n, config.method(), config.model().width(), batch, cores, cores);
    Path work = Files.createTempDirectory("mixstream-bench-models");
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(work.resolve("kafka"), 0)) {
      new Replayer(broker.bootstrapServers(), Map.of())
          .replay(
              train,
              ReplayPlan.to("bench").limit(n).build(),
              new Progress(System.out, "images", n, false));
      Map<Integer, List<Result>> results = new LinkedHashMap<>();
      for (int r = 1; r <= rounds; r++) {
        for (int m = 1; m <= maxModels; m++) {
          JobConfig job = jobConfig(config, m, dev, broker, work.resolve("r" + r + "-m" + m));
          Result res = run(job, broker, n);
          System.out.printf("round %d, %s%n", r, res.describe());
          results.computeIfAbsent(m, k -> new ArrayList<>()).add(res);
        }
      }
      System.out.printf("medians over %d rounds:%n", rounds);
      double one = BenchJobCommand.median(results.get(1).stream().map(Result::perModel).toList());
      for (var e : results.entrySet()) {
        double perModel =
            BenchJobCommand.median(e.getValue().stream().map(Result::perModel).toList());
        double readerMs =
            BenchJobCommand.median(e.getValue().stream().map(Result::readerCpuMsPer1000).toList());
        System.out.printf(
            "  %d model(s): %.1f images/s per model (%.3f of one model alone), %.1f in all;"
                + " reader+decoder task %.1f ms CPU per 1,000 images%n",
            e.getKey(), perModel, perModel / one, perModel * e.getKey(), readerMs);
      }
    } finally {
      FileUtils.deleteDirectory(work.toFile());
    }
    return 0;
  }

  private static JobConfig jobConfig(
      TrainingConfig c, int models, Device dev, LocalKafkaBroker broker, Path checkpoints) {
    JobConfig.Builder b = JobConfig.defaults(c, checkpoints).toBuilder();
    b.bootstrapServers = broker.bootstrapServers();
    b.imagesTopic = "bench";
    b.deadLetterTopic = "bench-dead";
    b.groupId = "bench-" + checkpoints.getFileName();
    b.device = dev.isGpu() ? "gpu" : "cpu";
    b.checkpointInterval = Duration.ofSeconds(10);
    b.bounded = true;
    EvaluationConfig.Builder e = EvaluationConfig.off(checkpoints.resolve("snapshots")).toBuilder();
    e.metricsTopic = "metrics-" + checkpoints.getFileName(); // each run's own
    b.evaluation = e.build();
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / models);
    List<ModelSpec> specs = new ArrayList<>();
    for (int i = 0; i < models; i++) {
      TrainingConfig.Builder t = c.toBuilder();
      t.seed = c.seed() + i;
      specs.add(new ModelSpec("m" + i, t.build(), b.device, threads));
    }
    b.models = specs;
    return b.build().validate();
  }

  /**
   * One run: each model's images/s after its first two steps (its first and last step's times), and
   * the reader task's CPU time.
   */
  private record Result(int models, List<Double> rates, double readerCpuMsPer1000) {
    double perModel() {
      return rates.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    String describe() {
      return "%d model(s): images/s per model %s (mean %.1f), reader+decoder task %.1f ms CPU per"
              .formatted(
                  models,
                  rates.stream().map(r -> "%.1f".formatted(r)).toList(),
                  perModel(),
                  readerCpuMsPer1000)
          + " 1,000 images";
    }
  }

  /** Runs the bounded job to its end, sampling the reader task's CPU time; reads its steps. */
  private static Result run(JobConfig job, LocalKafkaBroker broker, int images) throws Exception {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(MixstreamJob.flinkConfiguration(job));
    MixstreamJob.build(env, job).sinkTo(new DiscardingSink<>()).name("discard");
    ReaderCpu cpu = new ReaderCpu();
    cpu.start();
    try {
      env.execute("bench " + job.trainers().size() + " models");
    } finally {
      cpu.stop = true;
      cpu.join();
    }
    Map<String, List<MetricsRecord.Train>> steps = new HashMap<>();
    try (TopicReader reader =
        new TopicReader(
            broker.bootstrapServers(),
            Map.of(),
            job.evaluation().metricsTopic(),
            "the job writes it")) {
      for (byte[] value : reader.readAll(Duration.ofSeconds(30))) {
        if (MetricsCodec.decode(new String(value, StandardCharsets.UTF_8))
            instanceof MetricsRecord.Train t) {
          steps.computeIfAbsent(t.model(), k -> new ArrayList<>()).add(t);
        }
      }
    }
    List<Double> rates = new ArrayList<>();
    for (ModelSpec m : job.trainers()) {
      List<MetricsRecord.Train> s = steps.get(m.key());
      MetricsRecord.Train first = s.get(2);
      MetricsRecord.Train last = s.get(s.size() - 1);
      rates.add(
          (last.images() - first.images())
              / ((last.time().toEpochMilli() - first.time().toEpochMilli()) / 1e3));
    }
    return new Result(job.trainers().size(), rates, cpu.totalNanos() / 1e6 / (images / 1000.0));
  }

  /**
   * Samples the CPU time of the reader task's threads every 100 ms (a thread's time is readable
   * only while it lives; the last sample before it ends misses at most 100 ms of it).
   */
  private static final class ReaderCpu extends Thread {
    private final ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> nanos = new ConcurrentHashMap<>();
    volatile boolean stop;

    ReaderCpu() {
      super("bench-reader-cpu");
      setDaemon(true);
    }

    @Override
    public void run() {
      while (!stop) {
        for (var info : bean.getThreadInfo(bean.getAllThreadIds())) {
          if (info != null && info.getThreadName().contains(READER_TASK)) {
            long t = bean.getThreadCpuTime(info.getThreadId());
            if (t > 0) {
              nanos.merge(info.getThreadId(), t, Math::max);
            }
          }
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    long totalNanos() {
      return nanos.values().stream().mapToLong(Long::longValue).sum();
    }
  }
}

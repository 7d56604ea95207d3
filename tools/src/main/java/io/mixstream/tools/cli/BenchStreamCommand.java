package io.mixstream.tools.cli;

import io.mixstream.augment.Augmenter;
import io.mixstream.augment.SourceImage;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.JobConfig;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.MixstreamJob;
import io.mixstream.job.ingest.DecodeImages;
import io.mixstream.job.ingest.RawRecord;
import io.mixstream.job.ingest.RawRecordDeserializer;
import io.mixstream.job.ingest.TrainingImage;
import io.mixstream.job.training.PendingBatch;
import io.mixstream.kafka.KafkaConnectors;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.ImageRecord;
import io.mixstream.records.RecordLimits;
import io.mixstream.tools.replay.Progress;
import io.mixstream.tools.replay.ReplayPlan;
import io.mixstream.tools.replay.ReplaySource;
import io.mixstream.tools.replay.Replayer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `mixstream bench stream`: the streaming path's ceiling. The job's own parts (Kafka source, decode
 * and validate, keyBy, the pending batch in RocksDB keyed state with checkpoints on, the batch
 * decoded in parallel and both views made) with the training step replaced by nothing: how many
 * images per second the stream can feed a trainer that takes no time.
 */
@Command(
    name = "stream",
    mixinStandardHelpOptions = true,
    description =
        "Measures the streaming path without training: Kafka -> decode -> pending batch in"
            + " RocksDB -> both augmented views, in images/s, for 32 px raw CIFAR records and"
            + " 224 px JPEG (real CIFAR images upscaled) at --image-size 224, with a local broker"
            + " and a local Flink, checkpoints on. Reports the rate over the last third of the"
            + " batches (the JIT compiler is busy before), over each third, and over the whole"
            + " run.")
final class BenchStreamCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--data", required = true, paramLabel = "PATH", description = "CIFAR-10 data.")
  Path data;

  @Option(
      names = "--images",
      defaultValue = "40000",
      description =
          "32 px images per run; the 224 px run takes a tenth (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(
      names = "--sizes",
      split = ",",
      defaultValue = "32,224",
      paramLabel = "S",
      description = "Which cases to run: 32 (raw CIFAR), 224 (JPEG) (default: ${DEFAULT-VALUE}).")
  int[] sizes;

  @Option(
      names = {"--batch-size", "--batch"},
      defaultValue = "256",
      description = "Images per batch (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--buffer-size",
      defaultValue = "0",
      paramLabel = "C",
      description =
          "Through a fifo replay buffer of C images in keyed state, one batch drawn from it per"
              + " batch of arrivals, instead of the pending batch (default: 0, none).")
  int bufferSize;

  @Override
  public Integer call() throws Exception {
    if (bufferSize != 0 && bufferSize < batch) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--buffer-size must be 0 (none) or at least --batch-size "
              + batch
              + ", got "
              + bufferSize);
    }
    Cifar10Dataset cifar = Cifar10Reader.read(data, CifarSplit.TRAIN);
    Path dir = Files.createTempDirectory("mixstream-bench-stream");
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("kafka"), 0)) {
      for (int side : sizes) {
        if (side != 32 && side != 224) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--sizes takes 32 and/or 224, got " + side);
        }
        int n = side == 32 ? images : images / 10;
        String topic = "stream-" + side;
        List<ImageRecord> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          records.add(
              side == 32 ? cifar.record(i % cifar.size()) : BenchViewsCommand.jpeg(cifar, i, side));
        }
        new Replayer(broker.bootstrapServers(), Map.of())
            .replay(
                new ReplaySource() {
                  @Override
                  public int size() {
                    return records.size();
                  }

                  @Override
                  public Optional<ImageRecord> record(int index) {
                    ImageRecord r = records.get(index);
                    return Optional.of(
                        new ImageRecord(
                            r.id() + "-" + index,
                            r.label(),
                            r.height(),
                            r.width(),
                            r.channels(),
                            r.encoding(),
                            r.pixels()));
                  }
                },
                ReplayPlan.to(topic).build(),
                new Progress(
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    "images",
                    -1,
                    false));
        run(broker, dir, topic, side, n);
      }
    }
    return 0;
  }

  private void run(LocalKafkaBroker broker, Path dir, String topic, int side, int n)
      throws Exception {
    TrainingConfig.Builder t = TrainingConfig.defaults().toBuilder();
    t.imageSize = side;
    t.batchSize = batch;
    t.queueSize = batch;
    t.bufferSize = bufferSize;
    t.bufferPolicy = io.mixstream.config.BufferPolicy.FIFO;
    TrainingConfig training = t.build();
    JobConfig.Builder j =
        JobConfig.defaults(training, dir.resolve("checkpoints-" + side)).toBuilder();
    j.bootstrapServers = broker.bootstrapServers();
    j.imagesTopic = topic;
    j.bounded = true;
    JobConfig c = j.build();
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(MixstreamJob.flinkConfiguration(c));
    env.setParallelism(1);
    List<long[]> batches = new ArrayList<>();
    try (var it =
        env.fromSource(
                KafkaConnectors.source(
                    c.bootstrapServers(),
                    topic,
                    "bench-" + side,
                    new Properties(),
                    new RawRecordDeserializer(),
                    true),
                WatermarkStrategy.<RawRecord>noWatermarks(),
                "images from Kafka")
            .process(new DecodeImages(RecordLimits.DEFAULT, 1 << 20))
            .keyBy(image -> "bench") // one model's batches, as the job keys them
            .process(new ViewsOnly(training))
            .executeAndCollect("bench stream " + side)) {
      it.forEachRemaining(batches::add);
    }
    // the last third of the batches: on 2 cores a fresh JVM's Flink, Kafka and RocksDB paths keep
    // the JIT compiler busy for a minute or more, which a long-running job is past
    int from = batches.size() >= 4 ? batches.size() * 2 / 3 : 0;
    int lastBatch = batches.size() - 1;
    double rate = rate(batches, from, lastBatch);
    double wholeRun = rate(batches, 0, lastBatch);
    StringBuilder thirds = new StringBuilder();
    for (int k = 0; k < 3 && batches.size() >= 4; k++) {
      int a = batches.size() * k / 3;
      int b = batches.size() * (k + 1) / 3 - 1;
      thirds.append(k == 0 ? "" : ", ").append(Math.round(rate(batches, a, b)));
    }
    long first = batches.get(from)[0];
    long last = batches.get(lastBatch)[0];
    double viewsShare =
        batches.subList(from + 1, batches.size()).stream().mapToLong(b -> b[1]).sum()
            / (double) (last - first);
    System.out.printf(
        "{\"case\": \"%s\", \"image_size\": %d, \"images\": %d, \"batch\": %d, \"cores\": %d,"
            + " \"img_per_s\": %.0f, \"thirds_img_per_s\": [%s], \"whole_run_img_per_s\": %.0f,"
            + " \"decode_and_views_share\": %.2f, \"buffer\": %d}%n",
        side == 32 ? "32 px raw" : side + " px JPEG",
        side,
        n,
        batch,
        Runtime.getRuntime().availableProcessors(),
        rate,
        thirds,
        wholeRun,
        Math.min(1, viewsShare),
        bufferSize);
  }

  /** Images/s from the end of batch a to the end of batch b. */
  private double rate(List<long[]> batches, int a, int b) {
    return (long) (b - a) * batch / ((batches.get(b)[0] - batches.get(a)[0]) / 1e9);
  }

  /**
   * The trainer's operator with its step taken out: the same pending batch in keyed state, the
   * batch decoded in parallel and both views made, then nothing. Emits (end time, nanoseconds spent
   * decoding and making views, floats made) per batch.
   */
  static final class ViewsOnly extends KeyedProcessFunction<String, TrainingImage, long[]> {
    private static final long serialVersionUID = 1L;
    private final TrainingConfig config;
    private transient PendingBatch pending;
    private transient io.mixstream.job.training.BufferedBatches buffered;
    private transient Augmenter augmenter;
    private transient long step;

    ViewsOnly(TrainingConfig config) {
      this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
      pending = new PendingBatch(getRuntimeContext(), config.batchSize());
      if (config.buffer().on()) {
        buffered = new io.mixstream.job.training.BufferedBatches(getRuntimeContext(), config, null);
      }
      augmenter = new Augmenter(config.augmentation(), config.model().imageSize(), config.seed());
    }

    @Override
    public void processElement(TrainingImage image, Context ctx, Collector<long[]> out)
        throws Exception {
      List<TrainingImage> batch;
      if (buffered != null) {
        batch = buffered.add(image) > 0 ? buffered.images(buffered.buffer().sample()) : null;
      } else {
        batch = pending.add(image);
      }
      if (batch == null) {
        return;
      }
      long t0 = System.nanoTime();
      SourceImage[] sources =
          batch.parallelStream().map(TrainingImage::source).toArray(SourceImage[]::new);
      float[] x1 = augmenter.view(sources, step, 0);
      float[] x2 = augmenter.view(sources, step, 1);
      step++;
      long t1 = System.nanoTime();
      out.collect(new long[] {t1, t1 - t0, x1.length + x2.length});
    }
  }
}

package io.mixstream.tools.cli;

import ai.djl.Device;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.EmbedConfig;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.embed.EmbeddingServiceJob;
import io.mixstream.kafka.KafkaPreflight;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.kafka.TopicReader;
import io.mixstream.records.ImageRecord;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import io.mixstream.serve.ServingModel;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.snapshot.SnapshotDirectory;
import io.mixstream.torch.TorchThreads;
import io.mixstream.train.MocoTrainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `mixstream bench embed`: the embedding service against the bare forward pass of the same model on
 * the same images, in one run: throughput with size-closed batches, then latency under a steady
 * load, exactly once and at least once.
 */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    description = {
      "Measures mixstream embed: images/s with size-closed batches against the learning core's",
      "bare embed on the same images (same run, before and after the service: their mean), then",
      "p50/p99 latency at a steady load, as the service's gauge (record timestamp to output) and",
      "as a read_committed consumer sees it (input sent to output readable), exactly once and at",
      "least once. One JSON line a width."
    })
final class BenchEmbedCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, paramLabel = "PATH", description = "CIFAR-10 data.")
  Path data;

  @Option(
      names = "--widths",
      split = ",",
      defaultValue = "16,64",
      description = "Encoder widths (default: ${DEFAULT-VALUE}).")
  int[] widths;

  @Option(
      names = "--images",
      defaultValue = "3072",
      description = "Images for the bare pass (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(
      names = {"--batch-size", "--batch"},
      defaultValue = "64",
      description =
          "The service's --batch-size and the bare pass's batch (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--load",
      defaultValue = "0.5",
      description =
          "The latency runs' input rate, as a fraction of the service's measured images/s"
              + " (default: ${DEFAULT-VALUE}).")
  double load;

  @Option(
      names = "--latency-seconds",
      defaultValue = "20",
      description = "How long each latency run sends (default: ${DEFAULT-VALUE}).")
  int latencySeconds;

  @Option(
      names = "--torch-threads",
      defaultValue = "0",
      description =
          "The service's and the bare pass's libtorch threads; 0 = one per core (default:"
              + " ${DEFAULT-VALUE}).")
  int torchThreads;

  @Option(
      names = "--embed-parallelism",
      defaultValue = "1",
      description =
          "The service's embedders (--embed-parallelism), each with --torch-threads threads; the"
              + " bare pass then runs as many embedders at once, and once more as one embedder"
              + " with a thread per core; the ratio is against the faster (default:"
              + " ${DEFAULT-VALUE}).")
  int embedParallelism;

  @Option(
      names = "--service-seconds",
      defaultValue = "90",
      description =
          "About how long the service's throughput run lasts (its images: the bare images/s"
              + " times this), measured over its last third only: on 2 cores a fresh JVM's"
              + " Flink, Kafka and serialisation paths keep the JIT compiler busy for a minute"
              + " or more, which a long-running service is past; the bare pass, nearly all"
              + " native, has its warm-up batch (default: ${DEFAULT-VALUE}).")
  int serviceSeconds;

  @Option(
      names = "--checkpoint-interval",
      defaultValue = "1s",
      description = "The service's --checkpoint-interval (default: ${DEFAULT-VALUE}).")
  String checkpointInterval;

  private Cifar10Dataset cifar;
  private Path dir;

  @Override
  public Integer call() throws Exception {
    cifar = Cifar10Reader.read(data, CifarSplit.TEST);
    dir = Files.createTempDirectory("mixstream-bench-embed");
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("kafka"), 0)) {
      for (int width : widths) {
        Path snapshots = dir.resolve("snapshots-" + width);
        // torch work of this JVM's own on threads that end with it: an idle OpenMP team left on
        // the main thread would throttle the service's (TorchThreads says why)
        EncoderSnapshot snap =
            TorchThreads.callOnOwnThread(1, "bench snapshot", () -> snapshot(width));
        SnapshotDirectory sd = new SnapshotDirectory(snapshots, "default");
        Files.createDirectories(sd.folder());
        Files.write(sd.file(0), snap.toSafetensors());

        int cores = Runtime.getRuntime().availableProcessors();
        int threads = torchThreads > 0 ? torchThreads : Math.max(1, cores / embedParallelism);
        double bareBefore = bareBest(snap, width, cores, threads);
        int serviceImages = Math.max(4, (int) (bareBefore * serviceSeconds / batch)) * batch;
        String serviceInput = "bench-embed-in-" + width;
        send(broker, serviceInput, serviceImages, 0);
        double service = throughput(broker, serviceInput, snapshots, width);
        // the bare pass again right after: the mean of the two brackets the service's run, so a
        // machine that slows or speeds up over those minutes moves both sides alike
        double bareAfter = bareBest(snap, width, cores, threads);
        double bare = (bareBefore + bareAfter) / 2;
        String eo = latency(broker, snapshots, width, true, load * service);
        String alo = latency(broker, snapshots, width, false, load * service);
        System.out.printf(
            "{\"width\": %d, \"batch\": %d, \"images\": %d, \"service_images\": %d,"
                + " \"cores\": %d,"
                + " \"embedders\": %d, \"torch_threads\": %d,"
                + " \"bare_img_per_s\": %.0f, \"bare_before_after\": [%.0f, %.0f],"
                + " \"service_img_per_s\": %.0f, \"ratio\": %.3f,"
                + " \"latency_exactly_once\": %s, \"latency_at_least_once\": %s}%n",
            width,
            batch,
            images,
            serviceImages,
            cores,
            embedParallelism,
            threads,
            bare,
            bareBefore,
            bareAfter,
            service,
            service / bare,
            eo,
            alo);
      }
    }
    return 0;
  }

  /**
   * The bare pass in the service's shape; with several embedders, also as one embedder with a
   * thread per core, and the faster of the two.
   */
  private double bareBest(EncoderSnapshot snap, int width, int cores, int threads)
      throws Exception {
    double bare = bareEmbedders(snap, embedParallelism, threads);
    if (embedParallelism > 1) {
      double onePass = bareEmbedders(snap, 1, cores);
      System.out.printf(
          "width %d, bare: %d embedders of %d thread(s) %.0f images/s, one of %d threads %.0f%n",
          width, embedParallelism, threads, bare, cores, onePass);
      bare = Math.max(bare, onePass);
    }
    return bare;
  }

  private EncoderSnapshot snapshot(int width) {
    TrainingConfig.Builder t = TrainingConfig.defaults().toBuilder();
    t.method = Method.MOCO;
    t.width = width;
    t.batchSize = batch;
    t.queueSize = batch;
    try (MocoTrainer trainer = new MocoTrainer(t.build(), Device.cpu())) {
      return trainer.encoderSnapshot();
    }
  }

  /**
   * {@code embedders} bare passes at once, each on a thread of its own with {@code threads}
   * libtorch threads: their images/s added up.
   */
  private double bareEmbedders(EncoderSnapshot snap, int embedders, int threads) throws Exception {
    List<java.util.concurrent.FutureTask<Double>> passes = new ArrayList<>();
    for (int i = 0; i < embedders; i++) {
      var pass =
          new java.util.concurrent.FutureTask<>(
              () -> TorchThreads.callOnOwnThread(threads, "bench bare embed", () -> bare(snap)));
      passes.add(pass);
      new Thread(pass, "bench bare embedder " + i).start();
    }
    double sum = 0;
    for (var pass : passes) {
      sum += pass.get();
    }
    return sum;
  }

  /**
   * The learning core's embed on the same images in batches of --batch-size: median of 3 passes.
   */
  private double bare(EncoderSnapshot snap) {
    try (ServingModel e = new ServingModel("cpu")) {
      e.use(snap);
      byte[][] all = new byte[images][];
      for (int i = 0; i < images; i++) {
        all[i] = cifar.pixels(i % cifar.size());
      }
      e.embed(Arrays.copyOf(all, batch)); // warm-up
      double[] rates = new double[3];
      for (int r = 0; r < rates.length; r++) {
        long t0 = System.nanoTime();
        for (int from = 0; from + batch <= images; from += batch) {
          e.embed(Arrays.copyOfRange(all, from, from + batch));
        }
        rates[r] = (images / batch * batch) / ((System.nanoTime() - t0) / 1e9);
      }
      Arrays.sort(rates);
      return rates[1];
    }
  }

  private EmbedConfig config(
      LocalKafkaBroker broker, String name, String input, Path snapshots, boolean exactlyOnce) {
    EmbedConfig.Builder b = EmbedConfig.defaults(dir.resolve(name)).toBuilder();
    b.bootstrapServers = broker.bootstrapServers();
    b.inputTopic = input;
    b.outputTopic = name + "-out";
    b.deadLetterTopic = name + "-dead";
    b.metricsTopic = name + "-metrics";
    b.groupId = name;
    b.snapshotDir = snapshots;
    b.batchSize = batch;
    b.exactlyOnce = exactlyOnce;
    b.metricsInterval = Duration.ofSeconds(2);
    b.device = "cpu";
    b.torchThreads = torchThreads;
    b.embedParallelism = embedParallelism;
    b.checkpointInterval = io.mixstream.config.JobOptions.parseDuration(checkpointInterval);
    return b.build();
  }

  /**
   * Bounded run, size-closed batches: images/s over the last third of the output, from the vector
   * two thirds in to the last (the output's own timestamps).
   */
  private double throughput(LocalKafkaBroker broker, String input, Path snapshots, int width)
      throws Exception {
    EmbedConfig.Builder b = config(broker, "tp-" + width, input, snapshots, true).toBuilder();
    b.bounded = true;
    b.batchTimeout = Duration.ofSeconds(10); // batches close by size
    EmbedConfig c = b.build();
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(
            EmbeddingServiceJob.flinkConfiguration(c));
    EmbeddingServiceJob.build(env, c, new KafkaPreflight.Findings(1 << 20));
    env.execute("bench embed throughput " + width);
    long[] at =
        records(broker, c.outputTopic()).stream()
            .mapToLong(ConsumerRecord::timestamp)
            .sorted()
            .toArray();
    int from = at.length * 2 / 3;
    long millis = at[at.length - 1] - at[from];
    System.out.printf(
        "width %d, service: %d vectors, the whole run %.0f images/s, its last third %.0f%n",
        width,
        at.length,
        (at.length - batch) / ((at[at.length - 1] - at[0]) / 1e3),
        (at.length - 1 - from) / (millis / 1e3));
    return (at.length - 1 - from) / (millis / 1e3);
  }

  /**
   * Unbounded service, input at {@code rate} images/s for --latency-seconds; returns the gauge's
   * and the consumer's p50/p99 as JSON.
   */
  private String latency(
      LocalKafkaBroker broker, Path snapshots, int width, boolean exactlyOnce, double rate)
      throws Exception {
    String name = "lat-" + width + (exactlyOnce ? "-eo" : "-alo");
    EmbedConfig c = config(broker, name, name + "-in", snapshots, exactlyOnce);
    send(broker, c.inputTopic(), 1, 0); // the topic exists before the job starts
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(
            EmbeddingServiceJob.flinkConfiguration(c));
    EmbeddingServiceJob.build(env, c, new KafkaPreflight.Findings(1 << 20));
    JobClient job = env.executeAsync("bench embed latency " + name);
    Map<String, Long> sentAt = new ConcurrentHashMap<>();
    List<Long> visible = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(broker, exactlyOnce)) {
      awaitFirst(broker, c.outputTopic());
      TopicPartition p = new TopicPartition(c.outputTopic(), 0);
      consumer.assign(List.of(p));
      consumer.seekToEnd(List.of(p));
      consumer.position(p);
      int n = (int) (rate * latencySeconds);
      Thread producer =
          new Thread(
              () -> {
                try {
                  sendAtRate(broker, c.inputTopic(), n, rate, sentAt);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              },
              "bench embed producer");
      producer.start();
      long deadline = System.currentTimeMillis() + (latencySeconds + 10) * 1000L;
      int warmUp = (int) (rate * 2); // the first two seconds are not measured
      while (visible.size() < n - warmUp && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(5))) {
          long now = System.currentTimeMillis();
          String id = new String(r.key(), StandardCharsets.UTF_8);
          Long sent = sentAt.get(id);
          if (sent != null && Integer.parseInt(id.substring(4)) >= warmUp) {
            visible.add(now - sent);
          }
        }
      }
      producer.join();
    } finally {
      job.cancel().get();
    }
    List<MetricsRecord.Embed> gauges = new ArrayList<>();
    for (var r : records(broker, c.metricsTopic())) {
      if (MetricsCodec.decode(new String(r.value(), StandardCharsets.UTF_8))
              instanceof MetricsRecord.Embed e
          && !Double.isNaN(e.latencyP50Ms())
          && e.perSecond() > rate / 2 / embedParallelism) { // each embedder's share
        gauges.add(e);
      }
    }
    double gaugeP50 = median(gauges.stream().mapToDouble(MetricsRecord.Embed::latencyP50Ms));
    double gaugeP99 = median(gauges.stream().mapToDouble(MetricsRecord.Embed::latencyP99Ms));
    long[] v = visible.stream().mapToLong(Long::longValue).sorted().toArray();
    return ("{\"rate\": %.0f, \"gauge_p50_ms\": %.0f, \"gauge_p99_ms\": %.0f,"
            + " \"visible_p50_ms\": %d, \"visible_p99_ms\": %d, \"measured\": %d}")
        .formatted(
            rate,
            gaugeP50,
            gaugeP99,
            v.length == 0 ? -1 : v[(int) Math.ceil(0.5 * v.length) - 1],
            v.length == 0 ? -1 : v[(int) Math.ceil(0.99 * v.length) - 1],
            v.length);
  }

  private static double median(java.util.stream.DoubleStream values) {
    double[] s = values.sorted().toArray();
    return s.length == 0 ? Double.NaN : s[s.length / 2];
  }

  private KafkaConsumer<byte[], byte[]> consumer(LocalKafkaBroker broker, boolean committed) {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            committed ? "read_committed" : "read_uncommitted"),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
  }

  /** Every committed record on {@code topic} now. */
  private static List<ConsumerRecord<byte[], byte[]>> records(
      LocalKafkaBroker broker, String topic) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (TopicReader r =
        new TopicReader(broker.bootstrapServers(), Map.of(), topic, "the embedding service")) {
      r.readAll(Duration.ofMinutes(5), out::add);
    }
    return out;
  }

  /** Until the service's first vector is readable on {@code topic}: it is up. */
  private static void awaitFirst(LocalKafkaBroker broker, String topic)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (!records(broker, topic).isEmpty()) {
          return;
        }
      } catch (IllegalStateException e) {
        // the sink has not created the topic yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("no output on " + topic + " in 5 min");
  }

  private void send(LocalKafkaBroker broker, String topic, int n, int from) throws Exception {
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    try (KafkaProducer<byte[], byte[]> p = producer(broker)) {
      List<Future<?>> sent = new ArrayList<>();
      for (int i = from; i < from + n; i++) {
        ImageRecord r = cifar.record(i % cifar.size());
        sent.add(
            p.send(
                new ProducerRecord<>(
                    topic, r.id().getBytes(StandardCharsets.UTF_8), codec.encode(r))));
      }
      for (Future<?> f : sent) {
        f.get();
      }
    }
  }

  /** Images with ids img-0, img-1, ... at {@code rate} a second, each send time kept. */
  private void sendAtRate(
      LocalKafkaBroker broker, String topic, int n, double rate, Map<String, Long> sentAt)
      throws Exception {
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    try (KafkaProducer<byte[], byte[]> p = producer(broker)) {
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        long due = start + (long) (i * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        ImageRecord c = cifar.record(i % cifar.size());
        String id = "img-" + i;
        ImageRecord r =
            new ImageRecord(
                id, c.label(), c.height(), c.width(), c.channels(), c.encoding(), c.pixels());
        sentAt.put(id, System.currentTimeMillis());
        var unused =
            p.send(
                new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), codec.encode(r)));
      }
    }
  }

  private static KafkaProducer<byte[], byte[]> producer(LocalKafkaBroker broker) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ProducerConfig.LINGER_MS_CONFIG,
            0),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }
}

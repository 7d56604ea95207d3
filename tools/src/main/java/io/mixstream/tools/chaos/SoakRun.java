package io.mixstream.tools.chaos;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.tools.cluster.FlinkRest;
import io.mixstream.tools.cluster.StandaloneCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A long unbounded run on a standalone cluster (a JobManager and one TaskManager) with the
 * evaluator on, fed CIFAR-10 again and again just ahead of the trainer, sampling the TaskManager's
 * resident memory, its JVM heap after a full GC, the RocksDB working folder and the retained
 * checkpoints at a fixed interval; the growth of each per hour after a warm-up, by least squares.
 */
public final class SoakRun {
  static final int BATCH = 32;

  /** Images produced ahead of the trainer at most (enough that it never waits). */
  static final int AHEAD = 20_000;

  /**
   * @param length how long the job runs
   * @param every between two samples
   * @param warmUp samples before this are left out of the growth
   */
  public record Plan(Duration length, Duration every, Duration warmUp, int width, Path work) {
    public Plan {
      if (length.isNegative() || length.isZero() || every.isNegative() || every.isZero()) {
        throw new IllegalArgumentException("--minutes and --sample-every must be positive");
      }
    }
  }

  /** One sample, sizes in bytes. */
  public record Sample(
      double minutes,
      long steps,
      int evaluations,
      long restarts,
      long rss,
      long heapAfterGc,
      long rocksDb,
      long checkpoints) {
    static String header() {
      return "minutes,steps,evaluations,restarts,rss_bytes,heap_after_gc_bytes,rocksdb_bytes,"
          + "checkpoint_bytes";
    }

    String csv() {
      return "%.2f,%d,%d,%d,%d,%d,%d,%d"
          .formatted(minutes, steps, evaluations, restarts, rss, heapAfterGc, rocksDb, checkpoints);
    }
  }

  /** The samples, and the growth per hour of each quantity after the warm-up (bytes/hour). */
  public record Result(Plan plan, List<Sample> samples) {
    public double growthPerHour(java.util.function.ToLongFunction<Sample> what) {
      List<Sample> after =
          samples.stream().filter(s -> s.minutes() >= plan.warmUp().toSeconds() / 60.0).toList();
      if (after.size() < 2) {
        return Double.NaN;
      }
      double mx = 0;
      double my = 0;
      for (Sample s : after) {
        mx += s.minutes();
        my += what.applyAsLong(s);
      }
      mx /= after.size();
      my /= after.size();
      double sxy = 0;
      double sxx = 0;
      for (Sample s : after) {
        sxy += (s.minutes() - mx) * (what.applyAsLong(s) - my);
        sxx += (s.minutes() - mx) * (s.minutes() - mx);
      }
      return sxx == 0 ? Double.NaN : sxy / sxx * 60;
    }

    /** The mean of a quantity after the warm-up, for a relative growth. */
    public double meanAfterWarmUp(java.util.function.ToLongFunction<Sample> what) {
      return samples.stream()
          .filter(s -> s.minutes() >= plan.warmUp().toSeconds() / 60.0)
          .mapToLong(what)
          .average()
          .orElse(Double.NaN);
    }

    public long restarts() {
      return samples.isEmpty() ? 0 : samples.get(samples.size() - 1).restarts();
    }
  }

  private SoakRun() {}

  public static Result run(
      Plan plan, Cifar10Dataset train, Cifar10Dataset test, String classpath, PrintStream progress)
      throws Exception {
    Path work = plan.work();
    Path rocksDb = work.resolve("rocksdb");
    Files.createDirectories(rocksDb);
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(work.resolve("kafka"), 0);
        StandaloneCluster cluster =
            new StandaloneCluster(
                work.resolve("cluster"),
                classpath,
                2,
                Map.of("state.backend.rocksdb.localdir", rocksDb.toString()))) {
      try {
        return soak(plan, broker, cluster, train, test, progress);
      } catch (Exception | AssertionError e) {
        throw new IllegalStateException(e + "\nprocess logs:" + cluster.tails(), e);
      }
    }
  }

  private static Result soak(
      Plan plan,
      LocalKafkaBroker broker,
      StandaloneCluster cluster,
      Cifar10Dataset train,
      Cifar10Dataset test,
      PrintStream progress)
      throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      List<NewTopic> topics = new ArrayList<>();
      for (String t : List.of("images", "knn-bank", "knn-test", "metrics", "dead", "embeddings")) {
        topics.add(new NewTopic(t, 1, (short) 1));
      }
      admin.createTopics(topics).all().get();
    }
    Path csv = plan.work().resolve("soak.csv");
    Files.writeString(csv, Sample.header() + "\n");
    List<Sample> samples = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = producer(broker)) {
      CifarTopic.send(producer, "knn-bank", train, 0, 1000);
      CifarTopic.send(producer, "knn-test", test, 0, 500);
      long produced = CifarTopic.send(producer, "images", train, 0, AHEAD);
      cluster.startTaskManager("tm-1");
      FlinkRest rest = new FlinkRest(cluster.restUrl());
      rest.await(
          "/taskmanagers",
          o -> o.getAsJsonArray("taskmanagers").size() == 1,
          Duration.ofSeconds(120));
      JobConfig c = job(plan, broker);
      JobClient job = cluster.submit(c, Map.of());
      String id = job.getJobID().toHexString();
      Path checkpoints = c.checkpointDir().resolve(id);
      long start = System.nanoTime();
      long nextSample = start;
      try (MetricsTail tail = new MetricsTail(broker.bootstrapServers(), "metrics")) {
        while (System.nanoTime() - start < plan.length().toNanos()) {
          long trained = tail.steps() * BATCH;
          if (produced - trained < AHEAD / 2) { // keep the trainer fed, the topic bounded
            produced += CifarTopic.send(producer, "images", train, produced, AHEAD / 2);
          }
          if (System.nanoTime() >= nextSample) {
            Sample s =
                sample(
                    (System.nanoTime() - start) / 6e10,
                    tail,
                    rest,
                    id,
                    cluster.pid("tm-1"),
                    plan.work().resolve("rocksdb"),
                    checkpoints);
            samples.add(s);
            Files.writeString(csv, s.csv() + "\n", java.nio.file.StandardOpenOption.APPEND);
            progress.printf(
                "%5.1f min: %d steps, %d evaluations, rss %d MiB, heap after GC %d MiB, RocksDB"
                    + " %d MiB, checkpoints %d MiB%n",
                s.minutes(),
                s.steps(),
                s.evaluations(),
                s.rss() >> 20,
                s.heapAfterGc() >> 20,
                s.rocksDb() >> 20,
                s.checkpoints() >> 20);
            nextSample += plan.every().toNanos();
          }
          Thread.sleep(200);
        }
      }
      job.cancel().get(60, TimeUnit.SECONDS);
    }
    return new Result(plan, samples);
  }

  private static Sample sample(
      double minutes,
      MetricsTail tail,
      FlinkRest rest,
      String job,
      long pid,
      Path rocksDb,
      Path checkpoints)
      throws Exception {
    long restarts =
        rest.get("/jobs/" + job + "/exceptions?maxExceptions=1000")
            .getAsJsonObject("exceptionHistory")
            .getAsJsonArray("entries")
            .size();
    return new Sample(
        minutes,
        tail.steps(),
        tail.evaluations(),
        restarts,
        io.mixstream.tools.cluster.ProcessMemory.residentBytes(pid),
        heapAfterGc(pid),
        bytesUnder(rocksDb),
        bytesUnder(checkpoints));
  }

  private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total \\d+K, used (\\d+)K");

  /** The JVM's heap in use right after a full collection, by the JDK's jcmd. */
  static long heapAfterGc(long pid) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    run(jcmd.toString(), Long.toString(pid), "GC.run");
    String info = run(jcmd.toString(), Long.toString(pid), "GC.heap_info");
    Matcher m = HEAP_USED.matcher(info);
    if (!m.find()) {
      throw new IOException("jcmd GC.heap_info said no heap use: " + info);
    }
    return Long.parseLong(m.group(1)) * 1024;
  }

  private static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
    return out;
  }

  /** The size of the files under a folder (0 when it is not there). */
  static long bytesUnder(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    long total = 0;
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        try {
          if (Files.isRegularFile(f)) {
            total += Files.size(f);
          }
        } catch (java.nio.file.NoSuchFileException e) {
          // deleted while walked: compaction, or a subsumed checkpoint
        }
      }
    } catch (java.io.UncheckedIOException e) {
      // a folder deleted while walked: the rest is still a fair reading
    }
    return total;
  }

  private static JobConfig job(Plan plan, LocalKafkaBroker broker) {
    TrainingConfig.Builder t = TrainingConfig.defaults().toBuilder();
    t.method = Method.APPROACH2;
    t.width = plan.width();
    t.batchSize = BATCH;
    t.queueSize = 1024;
    JobConfig.Builder j =
        JobConfig.defaults(t.build(), plan.work().resolve("checkpoints")).toBuilder();
    j.bootstrapServers = broker.bootstrapServers();
    j.imagesTopic = "images";
    j.deadLetterTopic = "dead";
    j.groupId = "soak";
    j.device = "cpu";
    j.bounded = false;
    j.decodeParallelism = 1;
    j.checkpointInterval = Duration.ofSeconds(10);
    EvaluationConfig.Builder e =
        EvaluationConfig.defaults(plan.work().resolve("snapshots")).toBuilder();
    e.evalEvery = 200;
    e.knnBankSize = 1000;
    e.knnTestSize = 500;
    e.knnK = 50;
    j.evaluation = e.build();
    return j.build();
  }

  private static KafkaProducer<byte[], byte[]> producer(LocalKafkaBroker broker) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ProducerConfig.LINGER_MS_CONFIG,
            20),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }
}

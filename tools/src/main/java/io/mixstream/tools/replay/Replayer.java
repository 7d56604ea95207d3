package io.mixstream.tools.replay;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.kafka.KafkaFailures;
import io.mixstream.records.ImageRecord;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.records.RecordLimits;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes a CIFAR-10 split to Kafka as image records (key = image id) with an idempotent,
 * acks=all producer, so that nothing is lost or duplicated by retries.
 */
public final class Replayer {
  private final String bootstrap;
  private final Map<String, String> clientProperties;

  /**
   * The images a plan's stream holds (positions into the source, chosen before the order) and their
   * labels.
   */
  record StreamImages(int[] images, int[] labels) {
    /**
     * @throws IllegalArgumentException when the plan's order needs labels the source lacks
     */
    static StreamImages of(ReplaySource data, ReplayPlan plan) {
      int[] all = new int[data.size()];
      for (int i = 0; i < all.length; i++) {
        all[i] = data.label(i);
      }
      int[] images = ReplayOrder.limited(all, plan.limit());
      int[] labels = new int[images.length];
      for (int i = 0; i < images.length; i++) {
        labels[i] = all[images[i]];
      }
      plan.order().arrange(labels, plan.seed(), 0); // an order by class refuses unlabelled images
      return new StreamImages(images, labels);
    }
  }

  /**
   * Records {@code plan} publishes from {@code data}: its images × epochs × a burst's copies
   * ({@code imbalanced} leaves images out), or -1 when it loops until stopped.
   *
   * @throws IllegalArgumentException when the plan's order needs labels the source lacks
   */
  public static long records(ReplaySource data, ReplayPlan plan) {
    StreamImages stream = StreamImages.of(data, plan);
    if (plan.loop()) {
      return -1;
    }
    return (long) plan.order().arrange(stream.labels(), plan.seed(), 0).length
        * plan.epochs()
        * plan.order().copies();
  }

  /**
   * @param bootstrap {@code host:port[,host:port]}
   * @param clientProperties extra Kafka client settings (security and the like); they win over the
   *     defaults, except the three that make delivery exact (acks, idempotence, serializers)
   */
  public Replayer(String bootstrap, Map<String, String> clientProperties) {
    this.bootstrap = bootstrap;
    this.clientProperties = Map.copyOf(clientProperties);
  }

  public ReplaySummary replay(Cifar10Dataset data, ReplayPlan plan, Progress progress)
      throws ReplayException {
    return replay(ReplaySource.of(data), plan, progress);
  }

  /**
   * Publishes {@code data} as the plan says; images the source cannot read are skipped (the source
   * says which) and counted in the summary.
   */
  public ReplaySummary replay(ReplaySource data, ReplayPlan plan, Progress progress)
      throws ReplayException {
    int maxRecordBytes = ensureTopic(plan);
    data.limitRecordBytes(maxRecordBytes);
    ImageRecordCodec codec =
        new ImageRecordCodec(
            new RecordLimits(
                Math.max(RecordLimits.DEFAULT.classes(), data.classes().size()),
                RecordLimits.DEFAULT.maxSide(),
                RecordLimits.DEFAULT.maxPixelBytes()));
    StreamImages stream = StreamImages.of(data, plan);
    int[] images = stream.images();
    int[] imageLabels = stream.labels();
    ReplayOrder order = plan.order();
    int copies = order.copies();
    AtomicReference<Exception> failure = new AtomicReference<>();
    AtomicLong acked = new AtomicLong();
    AtomicLong ackedBytes = new AtomicLong();
    AtomicLong tooLarge = new AtomicLong(); // refused by the producer or the broker: counted
    Set<Integer> partitionsWritten = ConcurrentHashMap.newKeySet();
    long sent = 0;
    long start = System.nanoTime();
    progress.startClock();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(producerConfig(plan, maxRecordBytes))) {
      int partitions = producer.partitionsFor(plan.topic()).size();
      for (int epoch = 0; plan.loop() || epoch < plan.epochs(); epoch++) {
        long sentBefore = sent;
        for (int position : order.arrange(imageLabels, plan.seed(), epoch)) {
          if (failure.get() != null || Thread.currentThread().isInterrupted()) {
            break;
          }
          Optional<ImageRecord> image = data.record(images[position]);
          if (image.isEmpty()) {
            continue;
          }
          ImageRecord read = image.get();
          byte[] encoded;
          try {
            encoded = codec.encode(read);
          } catch (IllegalArgumentException e) { // beyond what the job accepts: skip, as unreadable
            System.err.printf("skipped %s: %s%n", read.id(), e.getMessage());
            tooLarge.incrementAndGet();
            continue;
          }
          for (int copy = 0; copy < copies; copy++) {
            // a burst: the same image as `copies` frames of a still scene, each its own record
            ImageRecord record = copies == 1 ? read : read.withId(read.id() + "#" + copy);
            byte[] value = copies == 1 ? encoded : codec.encode(record);
            pace(plan.ratePerSecond(), sent, start);
            // The callback sees every failure; the Future adds nothing.
            var unused =
                producer.send(
                    new ProducerRecord<>(plan.topic(), record.id(), value),
                    (metadata, e) -> {
                      if (e instanceof RecordTooLargeException) {
                        if (tooLarge.getAndIncrement() == 0) {
                          System.err.printf(
                              "skipped %s: %,d bytes, more than the topic takes (%s)%n",
                              record.id(), value.length, e.getMessage());
                        }
                      } else if (e != null) {
                        failure.compareAndSet(null, e);
                      } else {
                        partitionsWritten.add(metadata.partition());
                        acked.incrementAndGet();
                        ackedBytes.addAndGet(value.length);
                      }
                    });
            sent++;
            if (partitionsWritten.size() < partitions && sent <= ONE_AT_A_TIME_AT_MOST) {
              producer.flush();
            }
            progress.update(acked.get());
          }
        }
        if (sent == sentBefore
            && failure.get() == null
            && !Thread.currentThread().isInterrupted()) {
          failure.compareAndSet(
              null,
              new IllegalArgumentException(
                  "none of the %,d images could be read".formatted(data.size())));
        }
        if (failure.get() != null || Thread.currentThread().isInterrupted()) {
          break;
        }
      }
      if (!Thread.currentThread().isInterrupted()) { // a stop (demo's Ctrl-C) does not wait
        producer.flush();
      }
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      Thread.currentThread().interrupt(); // stopped while closing: a stop, not a failure
    } catch (org.apache.kafka.common.KafkaException e) {
      failure.compareAndSet(null, e);
    }
    Exception e = failure.get();
    ReplaySummary summary =
        new ReplaySummary(
            acked.get(),
            ackedBytes.get(),
            Duration.ofNanos(System.nanoTime() - start),
            data.skipped() + (int) tooLarge.get(),
            data.resized(),
            data.ignoredFiles());
    // a stop: the records still in flight are aborted with the producer ("closed forcefully"),
    // which is the stop's doing, not a failure
    if (Thread.currentThread().isInterrupted()) {
      progress.stopped(acked.get());
      return summary;
    }
    if (e != null) {
      progress.stopped(acked.get());
      throw new ReplayException(
          ("publishing to %s at %s failed after %,d images: %s. Those %,d are on the topic; a"
                  + " rerun publishes every image again, so the topic would hold them twice:"
                  + " publish to a new --topic, or delete this one first")
              .formatted(plan.topic(), bootstrap, acked.get(), e.getMessage(), acked.get()),
          e);
    }
    progress.finish(acked.get());
    return summary;
  }

  /**
   * The largest record value a topic this tool creates takes: an ordinary photo is a few MB, over
   * Kafka's default of 1 MB.
   */
  static final int NEW_TOPIC_MAX_RECORD_BYTES = 8 << 20;

  /**
   * Waits for the broker (up to the plan's timeout) and creates the topic if it is missing.
   *
   * @return the largest record the topic takes (its {@code max.message.bytes})
   */
  private int ensureTopic(ReplayPlan plan) throws ReplayException {
    Map<String, Object> config = new HashMap<>(clientProperties);
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    int timeoutMs = (int) plan.timeout().toMillis();
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs, 30_000));
    try (Admin admin = Admin.create(config)) {
      admin.describeCluster().clusterId().get(timeoutMs, TimeUnit.MILLISECONDS);
      Set<String> topics = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
      if (!topics.contains(plan.topic())) {
        try {
          admin
              .createTopics(
                  List.of(
                      new NewTopic(plan.topic(), plan.partitions(), (short) -1)
                          .configs(
                              Map.of(
                                  TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                                  String.valueOf(NEW_TOPIC_MAX_RECORD_BYTES)))))
              .all()
              .get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          // created meanwhile by someone else (the listing can lag a creation): use it
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
        awaitLeaders(admin, plan.topic(), timeoutMs);
      }
      ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, plan.topic());
      var limit =
          admin
              .describeConfigs(List.of(topic))
              .all()
              .get(timeoutMs, TimeUnit.MILLISECONDS)
              .get(topic)
              .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      int maxRecordBytes =
          limit == null ? 1_048_588 : Integer.parseInt(limit.value()); // Kafka's default
      if (topics.contains(plan.topic())) {
        TopicDescription d =
            admin
                .describeTopics(List.of(plan.topic()))
                .allTopicNames()
                .get(timeoutMs, TimeUnit.MILLISECONDS)
                .get(plan.topic());
        if (d.partitions().size() != plan.partitions()) {
          System.err.printf(
              "note: topic %s already exists with %d partitions; --partitions %d is ignored%n",
              plan.topic(), d.partitions().size(), plan.partitions());
        }
      }
      return maxRecordBytes;
    } catch (TimeoutException e) {
      throw new ReplayException(
          ("no Kafka broker answered at %s within %d s. Is one running? Start a local one with"
                  + " `mixstream kafka --data-dir DIR`, or pass --bootstrap HOST:PORT (and"
                  + " --kafka-property for security settings).%s")
              .formatted(
                  bootstrap,
                  plan.timeout().toSeconds(),
                  KafkaFailures.silenceHint(clientProperties)),
          e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw new ReplayException(
            "no Kafka broker answered at %s within %d s: %s%s"
                .formatted(
                    bootstrap,
                    plan.timeout().toSeconds(),
                    cause.getMessage(),
                    KafkaFailures.silenceHint(clientProperties)),
            cause);
      }
      throw new ReplayException(
          "cannot prepare topic %s at %s: %s"
              .formatted(plan.topic(), bootstrap, KafkaFailures.rootCause(cause)),
          cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReplayException("interrupted while waiting for the broker at " + bootstrap, e);
    } catch (org.apache.kafka.common.KafkaException e) {
      throw new ReplayException(
          "cannot connect to Kafka at %s: %s".formatted(bootstrap, KafkaFailures.rootCause(e)), e);
    }
  }

  /**
   * Records sent one at a time, each acknowledged before the next, until every partition holds one
   * of them. A new partition's first batch can be refused (NOT_LEADER: its log comes up a moment
   * after the metadata names its leader) while the next batch, already in flight, is accepted as
   * the producer's first on that partition; the refused batch's sequence number is then out of
   * order for good, and it expires after the 120 s delivery timeout (CI, twice; here 2 runs in 10
   * under load). Once a partition holds a record of this producer, the broker keeps its batches in
   * order. (One request in flight throughout would do too, but cost a quarter of the throughput.)
   */
  static final int ONE_AT_A_TIME_AT_MOST = 1000;

  /**
   * Until every partition of a new topic has a leader in the metadata, so that the first batches do
   * not wait for one (the leader's log can still come up a moment later: {@link
   * #ONE_AT_A_TIME_AT_MOST}).
   */
  private static void awaitLeaders(Admin admin, String topic, int timeoutMs)
      throws ExecutionException, InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (true) {
      TopicDescription d;
      try {
        d =
            admin
                .describeTopics(List.of(topic))
                .allTopicNames()
                .get(timeoutMs, TimeUnit.MILLISECONDS)
                .get(topic);
      } catch (ExecutionException e) {
        if (!(e.getCause()
            instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
          throw e;
        }
        d = null; // the metadata has not reached the broker yet
      }
      if (d != null
          && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("partitions of " + topic + " have no leader yet");
      }
      Thread.sleep(50);
    }
  }

  private Map<String, Object> producerConfig(ReplayPlan plan, int maxRecordBytes) {
    Map<String, Object> c = new HashMap<>();
    // one record as large as the topic takes, with room for its key and framing
    c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Math.max(1 << 20, maxRecordBytes + 4096));
    c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    c.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
    c.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L << 20);
    c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, plan.timeout().toMillis());
    c.putAll(clientProperties);
    // Exactly what was read, once each, in order per partition: not overridable.
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return c;
  }

  /** Sleeps so that image n goes out no sooner than n/rate seconds after the start. */
  private static void pace(double rate, long n, long startNanos) {
    if (rate <= 0) {
      return;
    }
    long due = startNanos + (long) (n / rate * 1e9);
    long wait = due - System.nanoTime();
    if (wait > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

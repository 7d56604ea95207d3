package io.mixstream.job;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.ImageRecordCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A broker, the CIFAR-10 test split and a checkpoint folder, and what the job tests do with them.
 */
record JobFixtures(LocalKafkaBroker broker, Cifar10Dataset cifar, Path tmp) {
  static TrainingConfig tiny(Method method) {
    TrainingConfig.Builder b = TrainingConfig.defaults(method).toBuilder();
    b.byolHidden = 64;
    b.width = 4;
    b.batchSize = 32;
    b.queueSize = 128;
    b.seed = 5;
    return b.build();
  }

  /** A bounded job on {@code topic}, checkpointing every 200 ms. */
  JobConfig job(Method method, String topic, String name, int decoders, boolean bounded) {
    JobConfig.Builder b =
        JobConfig.defaults(tiny(method), tmp.resolve("checkpoints-" + name)).toBuilder();
    b.bootstrapServers = broker.bootstrapServers();
    b.imagesTopic = topic;
    b.deadLetterTopic = topic + "-dead";
    b.groupId = "group-" + name;
    b.device = "cpu";
    b.checkpointInterval = Duration.ofMillis(200);
    b.bounded = bounded;
    b.decodeParallelism = decoders;
    EvaluationConfig.Builder e = EvaluationConfig.off(tmp.resolve("snapshots-" + name)).toBuilder();
    e.metricsTopic = name + "-metrics"; // each run's own: the step and final records
    b.evaluation = e.build();
    return b.build();
  }

  /** A producer that waits for every replica (acks=all). */
  KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all"),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  /** Writes images [from, from+n) of {@code data} to {@code topic}, keyed by image id. */
  void produce(String topic, Cifar10Dataset data, int from, int n) throws Exception {
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
      for (int i = from; i < from + n; i++) {
        sent.add(
            p.send(
                new ProducerRecord<>(
                    topic,
                    data.id(i).getBytes(StandardCharsets.UTF_8),
                    codec.encode(data.record(i)))));
        if (i == from) {
          // acknowledged before the rest: a fresh partition can refuse a first batch and accept
          // the next, leaving the first out of order until it expires (the replay tool's fix)
          sent.get(0).get();
        }
      }
      for (var f : sent) {
        f.get(); // a failed send fails the test here
      }
    }
  }

  /**
   * Writes images [0, n) of the test split, and a truncated copy before every k-th one (k = 0:
   * none); returns the keys of the truncated records.
   */
  List<String> produce(String topic, int n, int badEvery) throws Exception {
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    List<String> bad = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      for (int i = 0; i < n; i++) {
        if (badEvery > 0 && i % badEvery == 0) {
          byte[] good = codec.encode(cifar.record(i));
          String key = "bad-" + i;
          bad.add(key);
          p.send(
                  new ProducerRecord<>(
                      topic,
                      key.getBytes(StandardCharsets.UTF_8),
                      java.util.Arrays.copyOf(good, good.length / 2)))
              .get();
        }
        p.send(
                new ProducerRecord<>(
                    topic,
                    cifar.id(i).getBytes(StandardCharsets.UTF_8),
                    codec.encode(cifar.record(i))))
            .get();
      }
    }
    return bad;
  }
}

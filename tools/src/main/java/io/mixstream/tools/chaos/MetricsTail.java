package io.mixstream.tools.chaos;

import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows a job's metrics topic on a thread of its own, for the chaos run to time its kills by: the
 * newest step, when it came, and the number of evaluations. It rides out a broker restart (the
 * consumer reconnects by itself).
 */
final class MetricsTail implements AutoCloseable {
  private final Thread thread;
  private volatile boolean stop;
  private volatile long newestStep;
  private volatile long newestStepNanos = System.nanoTime();
  private volatile long steps;
  private volatile int evaluations;
  private volatile boolean ended;

  MetricsTail(String bootstrap, String topic) {
    thread = new Thread(() -> follow(bootstrap, topic), "metrics tail " + topic);
    thread.setDaemon(true);
    thread.start();
  }

  private void follow(String bootstrap, String topic) {
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG,
                1000),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      TopicPartition p = new TopicPartition(topic, 0);
      c.assign(List.of(p));
      c.seekToBeginning(List.of(p));
      while (!stop) {
        c.poll(Duration.ofMillis(50))
            .forEach(
                r -> {
                  MetricsRecord m =
                      MetricsCodec.decode(new String(r.value(), StandardCharsets.UTF_8));
                  if (m instanceof MetricsRecord.Train t) {
                    newestStep = t.step();
                    newestStepNanos = System.nanoTime();
                    steps++;
                  } else if (m instanceof MetricsRecord.Knn) {
                    evaluations++;
                  } else if (m instanceof MetricsRecord.Final) {
                    ended = true;
                  }
                });
      }
    }
  }

  /** The step of the newest step record (after a restore, a step done again counts as newest). */
  long newestStep() {
    return newestStep;
  }

  /** When the newest step record arrived, System.nanoTime(). */
  long newestStepNanos() {
    return newestStepNanos;
  }

  /** Step records seen, those of steps done again after a restore included. */
  long steps() {
    return steps;
  }

  int evaluations() {
    return evaluations;
  }

  /** Whether the trainer's end-of-input record has come. */
  boolean ended() {
    return ended;
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.join(10_000);
  }
}

package io.mixstream.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** A topic read from the start by the tests: the one "read until N records" of every module. */
public final class TopicRecords {
  private TopicRecords() {}

  /**
   * Every partition of {@code topic} from the beginning until {@code expected} records have come,
   * then one more quiet second so that duplicates would show, or {@code timeout}, whichever is
   * first. Records come partition by partition, each in offset order.
   */
  public static List<ConsumerRecord<byte[], byte[]>> read(
      String bootstrap, String topic, int expected, Duration timeout) {
    return read(bootstrap, topic, expected, timeout, false);
  }

  /**
   * {@link #read(String, String, int, Duration)} as a {@code read_committed} consumer when {@code
   * committedOnly} (records of aborted and open transactions left out), else {@code
   * read_uncommitted}, which sees them all.
   */
  public static List<ConsumerRecord<byte[], byte[]>> read(
      String bootstrap, String topic, int expected, Duration timeout, boolean committedOnly) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                committedOnly ? "read_committed" : "read_uncommitted",
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
                false), // reading must not create the topic its writer is about to
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      long deadline = System.nanoTime() + timeout.toNanos();
      List<TopicPartition> parts = List.of();
      while (parts.isEmpty()) { // the topic may not exist yet: its writer creates it
        parts =
            c.partitionsFor(topic, timeout).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        if (parts.isEmpty()) {
          if (System.nanoTime() > deadline) {
            return out;
          }
          sleep();
        }
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      long quietUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, quietUntil)) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
        if (out.size() >= expected && quietUntil == Long.MAX_VALUE) {
          quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        }
      }
    }
    out.sort(
        Comparator.comparingInt((ConsumerRecord<byte[], byte[]> r) -> r.partition())
            .thenComparingLong(ConsumerRecord::offset));
    return out;
  }

  private static void sleep() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a topic", e);
    }
  }
}

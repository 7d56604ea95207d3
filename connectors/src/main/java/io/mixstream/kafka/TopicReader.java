package io.mixstream.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic's values with a plain consumer (no group, no commits, committed records only):
 * everything from the start to the end offsets of the moment it starts, or everything until stopped
 * when following. Records without a value (tombstones) are skipped and counted: there is nothing in
 * them to read.
 */
public final class TopicReader implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final String writtenBy;
  private final Map<String, Object> config;
  private long tombstones;

  /**
   * @param writtenBy who writes the topic, for the message when it does not exist yet
   */
  public TopicReader(String bootstrap, Map<String, String> props, String topic, String writtenBy) {
    Map<String, Object> config = new HashMap<>();
    // an exactly-once writer's aborted records (mixstream embed after a failure) are not read
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.putAll(props);
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 << 20);
    this.config = config;
    try {
      this.consumer =
          new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    } catch (org.apache.kafka.common.KafkaException e) {
      throw new IllegalStateException(
          "cannot make a Kafka consumer for %s: %s"
              .formatted(bootstrap, KafkaFailures.rootCause(e)),
          e);
    }
    this.topic = topic;
    this.writtenBy = writtenBy;
  }

  /**
   * Every value on the topic now, partition by partition.
   *
   * @throws IllegalStateException when the topic does not exist or the broker does not answer
   */
  public List<byte[]> readAll(Duration timeout) {
    List<byte[]> out = new ArrayList<>();
    readAll(timeout, r -> take(r.value(), out::add));
    return out;
  }

  /**
   * Hands every record on the topic now to {@code each}, tombstones too (a dead letter of one has
   * no value either), partition by partition in offset order; returns how many there were.
   *
   * @throws IllegalStateException when the topic does not exist, the broker does not answer or the
   *     end is not reached within {@code timeout}
   */
  public long readAll(Duration timeout, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    List<TopicPartition> partitions = assignFromStart(timeout);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
    long n = 0;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!reached(end)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "read %,d records from %s but the end offsets %s were not reached in %s"
                .formatted(n, topic, end, timeout));
      }
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
          n++;
          each.accept(r);
        }
      }
    }
    return n;
  }

  /** Calls {@code sink} for each value from the start, then each new one, until interrupted. */
  public void follow(Duration timeout, Consumer<byte[]> sink) {
    assignFromStart(timeout);
    while (!Thread.currentThread().isInterrupted()) {
      consumer.poll(Duration.ofMillis(500)).forEach(r -> take(r.value(), sink));
    }
  }

  /** Records read so far that had no value. */
  public long tombstones() {
    return tombstones;
  }

  private void take(byte[] value, Consumer<byte[]> sink) {
    if (value == null) {
      tombstones++;
    } else {
      sink.accept(value);
    }
  }

  private List<TopicPartition> assignFromStart(Duration timeout) {
    List<PartitionInfo> info;
    try {
      info = consumer.partitionsFor(topic, timeout);
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new IllegalStateException(
          "no answer about topic %s within %s: is the broker up and --bootstrap right?%s"
              .formatted(topic, timeout, KafkaFailures.silenceHint(config)),
          e);
    } catch (org.apache.kafka.common.KafkaException e) { // a wrong password, a bad certificate
      throw new IllegalStateException(
          "the broker refused to tell about topic %s: %s"
              .formatted(topic, KafkaFailures.rootCause(e)),
          e);
    }
    if (info == null || info.isEmpty()) {
      throw new IllegalStateException(
          "topic %s does not exist (yet): %s".formatted(topic, writtenBy));
    }
    List<TopicPartition> partitions =
        info.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return partitions;
  }

  private boolean reached(Map<TopicPartition, Long> end) {
    for (var e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    consumer.close();
  }
}

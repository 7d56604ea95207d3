package io.mixstream.tools.embeddings;

import io.mixstream.records.EmbeddingCodec;
import io.mixstream.records.EmbeddingRecord;
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
 * Reads the embeddings topic with a plain consumer (no group, no commits): everything from the
 * start to the end offsets of the moment it starts, or everything until stopped when following. A
 * record that does not decode is counted and skipped, never fatal.
 */
public final class EmbeddingTopicReader implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private long malformed;

  public EmbeddingTopicReader(String bootstrap, Map<String, String> props, String topic) {
    Map<String, Object> config = new HashMap<>(props);
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 << 20);
    this.consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.topic = topic;
  }

  /** Records that did not decode so far. */
  public long malformed() {
    return malformed;
  }

  /**
   * Everything on the topic now.
   *
   * @throws IllegalStateException when the topic does not exist or the broker does not answer
   */
  public List<EmbeddingRecord> readAll(Duration timeout) {
    List<TopicPartition> partitions = assignFromStart(timeout);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
    List<EmbeddingRecord> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!reached(end)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "read %,d embeddings from %s but the end offsets %s were not reached in %s"
                .formatted(out.size(), topic, end, timeout));
      }
      consumer.poll(Duration.ofMillis(200)).forEach(r -> decode(r, out::add));
    }
    return out;
  }

  /** Calls {@code sink} for each record from the start, then each new one, until interrupted. */
  public void follow(Duration timeout, Consumer<EmbeddingRecord> sink) {
    assignFromStart(timeout);
    while (!Thread.currentThread().isInterrupted()) {
      consumer.poll(Duration.ofMillis(500)).forEach(r -> decode(r, sink));
    }
  }

  private List<TopicPartition> assignFromStart(Duration timeout) {
    List<PartitionInfo> info;
    try {
      info = consumer.partitionsFor(topic, timeout);
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new IllegalStateException(
          "no answer about topic %s within %s: is the broker up and --bootstrap right?"
              .formatted(topic, timeout),
          e);
    }
    if (info == null || info.isEmpty()) {
      throw new IllegalStateException(
          "topic %s does not exist (yet): the job writes it at its first kNN evaluation"
              .formatted(topic));
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

  private void decode(ConsumerRecord<byte[], byte[]> r, Consumer<EmbeddingRecord> sink) {
    try {
      sink.accept(EmbeddingCodec.decode(r.value()));
    } catch (IllegalArgumentException e) {
      malformed++;
    }
  }

  @Override
  public void close() {
    consumer.close();
  }
}

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

  /**
   * Where a read of a fixed range of the topic stands: per partition, the next offset to read and
   * the end (exclusive). Small and plain, so that a checkpoint can hold it and a restored reader go
   * on from it ({@link #resume}).
   */
  public record Range(Map<Integer, Long> next, Map<Integer, Long> end) {
    public Range {
      next = Map.copyOf(next);
      end = Map.copyOf(end);
    }

    public boolean done() {
      return end.entrySet().stream()
          .allMatch(e -> next.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    /** partition, next, end for each partition, end to end: one value for a checkpoint. */
    public long[] toArray() {
      return end.keySet().stream()
          .sorted()
          .flatMapToLong(p -> java.util.stream.LongStream.of(p, next.get(p), end.get(p)))
          .toArray();
    }

    /** The range {@link #toArray} wrote. */
    public static Range fromArray(long[] flat) {
      Map<Integer, Long> next = new HashMap<>();
      Map<Integer, Long> end = new HashMap<>();
      for (int i = 0; i + 3 <= flat.length; i += 3) {
        next.put((int) flat[i], flat[i + 1]);
        end.put((int) flat[i], flat[i + 2]);
      }
      return new Range(next, end);
    }
  }

  /** A chunk of a range's records (one poll's worth) and the range after them. */
  public record Chunk(List<ConsumerRecord<byte[], byte[]>> records, Range after) {}

  /**
   * Starts a read of everything on the topic now: from each partition's first offset to its end
   * offset at this moment. Read it with {@link #next}, a chunk at a time.
   *
   * @throws IllegalStateException when the topic does not exist or the broker does not answer
   */
  public Range start(Duration timeout) {
    List<TopicPartition> partitions = assignFromStart(timeout);
    Map<Integer, Long> next = new HashMap<>();
    consumer.beginningOffsets(partitions, timeout).forEach((tp, o) -> next.put(tp.partition(), o));
    Map<Integer, Long> end = new HashMap<>();
    consumer.endOffsets(partitions, timeout).forEach((tp, o) -> end.put(tp.partition(), o));
    Range range = new Range(next, end);
    pauseDone(range);
    return range;
  }

  /** Goes on with a range started before (by this reader or one before a restart). */
  public void resume(Range range, Duration timeout) {
    assignFromStart(timeout);
    range.next().forEach((p, o) -> consumer.seek(new TopicPartition(topic, p), o));
    pauseDone(range);
  }

  /**
   * The next records of {@code range} (at most one poll's: {@code max.poll.records}), waiting at
   * most {@code wait} for them; an empty chunk when none came in that time.
   */
  public Chunk next(Range range, Duration wait) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
      Long end = range.end().get(r.partition());
      if (end != null && r.offset() < end) {
        records.add(r);
      }
    }
    Map<Integer, Long> next = new HashMap<>();
    for (var e : range.end().entrySet()) {
      long at = range.next().getOrDefault(e.getKey(), 0L);
      if (at < e.getValue()) {
        // past the last record read: aborted records and transaction markers are skipped too
        at = Math.min(e.getValue(), consumer.position(new TopicPartition(topic, e.getKey())));
      }
      next.put(e.getKey(), at);
    }
    Range after = new Range(next, range.end());
    pauseDone(after);
    return new Chunk(records, after);
  }

  private void pauseDone(Range range) {
    List<TopicPartition> done = new ArrayList<>();
    range
        .end()
        .forEach(
            (p, end) -> {
              if (range.next().getOrDefault(p, 0L) >= end) {
                done.add(new TopicPartition(topic, p));
              }
            });
    consumer.pause(done);
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

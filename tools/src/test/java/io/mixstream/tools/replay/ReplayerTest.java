package io.mixstream.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayerTest {
  @TempDir static Path brokerDir;
  static LocalKafkaBroker broker;
  static Cifar10Dataset train;

  @BeforeAll
  static void start() throws Exception {
    broker = LocalKafkaBroker.start(brokerDir, 0);
    train = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TRAIN);
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static Progress quiet() {
    return new Progress(
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        "images",
        -1,
        false);
  }

  @Test
  void thousandImagesArriveByteIdenticalOnceEachInOrderPerPartition() throws Exception {
    ReplayPlan plan = ReplayPlan.to("replay-1000").shuffled(11).limit(1000).partitions(3).build();
    ReplaySummary summary =
        new Replayer(broker.bootstrapServers(), Map.of()).replay(train, plan, quiet());
    assertThat(summary.images()).isEqualTo(1000);

    List<ConsumerRecord<String, byte[]>> records = consumeAll("replay-1000", 1000);
    assertThat(records).hasSize(1000);
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    int[] order = ReplayOrder.of(train.size(), true, 11, 0);
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      position.put(train.id(order[i]), i);
    }
    Set<String> seen = new HashSet<>();
    Map<Integer, Integer> lastPositionInPartition = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      assertThat(seen.add(r.key())).as("duplicate %s", r.key()).isTrue();
      Integer pos = position.get(r.key());
      assertThat(pos).as("unexpected id %s", r.key()).isNotNull();
      int index = order[pos];
      assertThat(r.value()).isEqualTo(codec.encode(train.record(index)));
      int previous = lastPositionInPartition.getOrDefault(r.partition(), -1);
      assertThat(pos).as("order within partition %d", r.partition()).isGreaterThan(previous);
      lastPositionInPartition.put(r.partition(), pos);
    }
    assertThat(lastPositionInPartition).hasSize(3);
  }

  @Test
  void epochsRepeatTheDataAndLimitStopsEarly() throws Exception {
    ReplayPlan plan = ReplayPlan.to("replay-epochs").epochs(3).limit(250).build();
    Cifar10Dataset small = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    new Replayer(broker.bootstrapServers(), Map.of()).replay(small, plan, quiet());
    List<ConsumerRecord<String, byte[]>> records = consumeAll("replay-epochs", 250);
    assertThat(records).hasSize(250);
    assertThat(records.get(0).key()).isEqualTo("cifar10-test-00000");
    assertThat(records.get(249).key()).isEqualTo("cifar10-test-00249");
  }

  @Test
  void aBrokerThatDoesNotAnswerGivesAClearErrorWithinTheTimeout() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    ReplayPlan plan = ReplayPlan.to("x").limit(10).timeout(Duration.ofSeconds(2)).build();
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> new Replayer("127.0.0.1:" + deadPort, Map.of()).replay(train, plan, quiet()))
        .isInstanceOf(ReplayException.class)
        .hasMessageContaining("no Kafka broker answered at 127.0.0.1:" + deadPort + " within 2 s");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
  }

  @Test
  void throttledReplayKeepsToTheRate() throws Exception {
    ReplayPlan plan = ReplayPlan.to("replay-rate").ratePerSecond(200).limit(100).build();
    ReplaySummary s =
        new Replayer(broker.bootstrapServers(), Map.of()).replay(train, plan, quiet());
    // 100 images at 200/s cannot take less than the 99 gaps of 5 ms
    assertThat(s.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(495));
  }

  static List<ConsumerRecord<String, byte[]>> consumeAll(String topic, int expected) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo p : consumer.partitionsFor(topic)) {
        parts.add(new TopicPartition(topic, p.partition()));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      // read a little past the expected count, so that duplicates would show
      long quietUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, quietUntil)) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          out.add(r);
        }
        if (out.size() >= expected && quietUntil == Long.MAX_VALUE) {
          quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        }
      }
    }
    return out;
  }
}

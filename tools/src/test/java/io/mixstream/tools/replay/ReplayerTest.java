package io.mixstream.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.testing.SharedData;
import io.mixstream.testing.TopicRecords;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
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

    List<ConsumerRecord<byte[], byte[]>> records = consumeAll("replay-1000", 1000);
    assertThat(records).hasSize(1000);
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    // the first 1,000 (they hold every class), in the shuffled order of seed 11
    int[] firstThousandLabels = new int[1000];
    for (int i = 0; i < 1000; i++) {
      firstThousandLabels[i] = train.label(i);
    }
    int[] order = ReplayOrder.SHUFFLED.arrange(firstThousandLabels, 11, 0);
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      position.put(train.id(order[i]), i);
    }
    Set<String> seen = new HashSet<>();
    Map<Integer, Integer> lastPositionInPartition = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      String id = new String(r.key(), StandardCharsets.UTF_8);
      assertThat(seen.add(id)).as("duplicate %s", id).isTrue();
      Integer pos = position.get(id);
      assertThat(pos).as("unexpected id %s", id).isNotNull();
      int index = order[pos];
      assertThat(r.value()).isEqualTo(codec.encode(train.record(index)));
      int previous = lastPositionInPartition.getOrDefault(r.partition(), -1);
      assertThat(pos).as("order within partition %d", r.partition()).isGreaterThan(previous);
      lastPositionInPartition.put(r.partition(), pos);
    }
    assertThat(lastPositionInPartition).hasSize(3);
  }

  @Test
  void epochsRepeatTheLimitedImages() throws Exception {
    ReplayPlan plan = ReplayPlan.to("replay-epochs").epochs(3).limit(250).build();
    Cifar10Dataset small = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    assertThat(Replayer.records(ReplaySource.of(small), plan)).isEqualTo(750);
    new Replayer(broker.bootstrapServers(), Map.of()).replay(small, plan, quiet());
    List<ConsumerRecord<byte[], byte[]>> records = consumeAll("replay-epochs", 750);
    assertThat(records).hasSize(750);
    for (int i = 0; i < 750; i++) {
      assertThat(new String(records.get(i).key(), StandardCharsets.UTF_8))
          .isEqualTo("cifar10-test-%05d".formatted(i % 250));
    }
  }

  /**
   * A burst is N records of one image, ids ID#0..ID#N-1 in the key and in the record; a limited
   * class-sorted stream holds every class, in class order.
   */
  @Test
  void burstsAndClassSortedOnTheBroker() throws Exception {
    Cifar10Dataset small = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    ReplayPlan bursts =
        ReplayPlan.to("replay-bursts").order(ReplayOrder.parse("bursts:3"), 4).limit(20).build();
    new Replayer(broker.bootstrapServers(), Map.of()).replay(small, bursts, quiet());
    List<ConsumerRecord<byte[], byte[]>> records = consumeAll("replay-bursts", 60);
    assertThat(records).hasSize(60);
    for (int i = 0; i < 60; i += 3) {
      String id = codec.decode(records.get(i).value()).id();
      assertThat(id).endsWith("#0");
      String image = id.substring(0, id.length() - 2);
      for (int k = 0; k < 3; k++) {
        var r = records.get(i + k);
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(image + "#" + k);
        var decoded = codec.decode(r.value());
        assertThat(decoded.id()).isEqualTo(image + "#" + k);
        assertThat(decoded.pixels())
            .isEqualTo(small.record(Integer.parseInt(image.substring(13))).pixels());
      }
    }

    ReplayPlan sorted =
        ReplayPlan.to("replay-class-sorted")
            .order(ReplayOrder.parse("class-sorted"), 4)
            .limit(100)
            .build();
    new Replayer(broker.bootstrapServers(), Map.of()).replay(small, sorted, quiet());
    List<Integer> labels =
        consumeAll("replay-class-sorted", 100).stream()
            .map(r -> decode(codec, r.value()).label())
            .toList();
    assertThat(labels).hasSize(100).isSorted();
    assertThat(new HashSet<>(labels)).hasSize(10);
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

  private static io.mixstream.records.ImageRecord decode(ImageRecordCodec codec, byte[] value) {
    try {
      return codec.decode(value);
    } catch (io.mixstream.records.MalformedRecordException e) {
      throw new AssertionError(e);
    }
  }

  static List<ConsumerRecord<byte[], byte[]>> consumeAll(String topic, int expected) {
    return TopicRecords.read(broker.bootstrapServers(), topic, expected, Duration.ofSeconds(30));
  }
}

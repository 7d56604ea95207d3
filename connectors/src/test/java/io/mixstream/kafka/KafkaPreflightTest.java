package io.mixstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class KafkaPreflightTest {
  @TempDir static Path tmp;
  static LocalKafkaBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0);
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic("in", 1, (short) 1),
                  new NewTopic("dead-small", 1, (short) 1)
                      .configs(Map.of("max.message.bytes", "123456"))))
          .all()
          .get();
    }
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static KafkaPreflight.InputTopic input(String name) {
    return new KafkaPreflight.InputTopic(name, "--" + name + "-topic", "publish it with X");
  }

  @Test
  void readsTheDeadLetterTopicsLimitOrTheBrokersBeforeTheTopicExists() {
    var existing =
        KafkaPreflight.check(
            broker.bootstrapServers(), Map.of(), List.of(input("in")), "dead-small", MINUTE);
    assertThat(existing.deadLetterMaxMessageBytes()).isEqualTo(123456);
    var notYet =
        KafkaPreflight.check(
            broker.bootstrapServers(), Map.of(), List.of(input("in")), "not-yet", MINUTE);
    assertThat(notYet.deadLetterMaxMessageBytes())
        .as("the local broker's message.max.bytes")
        .isEqualTo(32 << 20);
  }

  @Test
  void namesEveryMissingInputTopicAtOnce() {
    assertThatThrownBy(
            () ->
                KafkaPreflight.check(
                    broker.bootstrapServers(),
                    Map.of(),
                    List.of(input("in"), input("a"), input("b")),
                    "dead",
                    MINUTE))
        .isInstanceOf(KafkaPreflight.PreflightException.class)
        .hasMessageContaining("topic a (--a-topic) does not exist at " + broker.bootstrapServers())
        .hasMessageContaining("topic b (--b-topic) does not exist")
        .hasMessageContaining("publish it with X")
        .hasMessageNotContaining("topic in ");
  }

  @Test
  void aSilentAddressIsReportedWithinTheTimeout() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    String bootstrap = "127.0.0.1:" + closed;
    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                KafkaPreflight.check(
                    bootstrap, Map.of(), List.of(input("in")), "dead", Duration.ofSeconds(2)))
        .isInstanceOf(KafkaPreflight.PreflightException.class)
        .hasMessageContaining("no Kafka broker answered at " + bootstrap + " within 2s")
        .hasMessageContaining("mixstream kafka");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
  }

  private static final Duration MINUTE = Duration.ofMinutes(1);
}

package io.mixstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.testing.TopicRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class LocalKafkaBrokerTest {

  @Test
  void keepsItsRecordsWhenRestartedOnTheSameFolder(@TempDir Path dir) throws Exception {
    int port;
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir, 0)) {
      port = broker.port();
      assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(
              Map.of(
                  ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  broker.bootstrapServers(),
                  ProducerConfig.ACKS_CONFIG,
                  "all"),
              new StringSerializer(),
              new StringSerializer())) {
        for (int i = 0; i < 10; i++) {
          producer.send(new ProducerRecord<>("kept", "k" + i, "v" + i)).get();
        }
      }
    }
    try (LocalKafkaBroker again = LocalKafkaBroker.start(dir, port)) {
      assertThat(readAll(again.bootstrapServers(), "kept", 10))
          .containsExactly("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
    }
  }

  private static List<String> readAll(String bootstrap, String topic, int expected) {
    return TopicRecords.read(bootstrap, topic, expected, Duration.ofSeconds(30)).stream()
        .map(r -> new String(r.value(), StandardCharsets.UTF_8))
        .toList();
  }
}

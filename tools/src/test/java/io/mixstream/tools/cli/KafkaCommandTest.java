package io.mixstream.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.net.LocalPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `mixstream kafka` as a user runs it: separate processes. A second broker on a folder in use used
 * to damage the first (its memory-mapped indexes were resized under it) before being refused.
 */
@Tag("integration")
class KafkaCommandTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  @Test
  void aSecondBrokerOnTheSameFolderIsRefusedAndTheFirstKeepsWorking(@TempDir Path dir)
      throws Exception {
    int port = LocalPorts.anyFree();
    String dataDir = dir.toString();
    try (MixstreamProcess first =
        MixstreamProcess.start("kafka", "--data-dir", dataDir, "--port", String.valueOf(port))) {
      first.awaitOutput("Kafka broker ready", Duration.ofSeconds(90));

      try (MixstreamProcess second =
          MixstreamProcess.start(
              "kafka", "--data-dir", dataDir, "--port", String.valueOf(LocalPorts.anyFree()))) {
        assertThat(second.awaitExit(MINUTE)).as(second.output()).isEqualTo(1);
        String said = second.output();
        assertThat(said).contains("is in use by another running broker").contains("--data-dir");
        assertThat(said.lines().filter(l -> l.startsWith("\tat "))).as("no stack trace").isEmpty();
        assertThat(said.lines().count()).as(said).isLessThanOrEqualTo(2);
      }

      // the first one still creates topics and takes records
      String bootstrap = "127.0.0.1:" + port;
      try (Admin admin =
          Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        admin.createTopics(List.of(new NewTopic("after-refusal", 1, (short) 1))).all().get();
      }
      try (KafkaProducer<String, String> p =
          new KafkaProducer<>(
              Map.of(
                  ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  bootstrap,
                  ProducerConfig.MAX_BLOCK_MS_CONFIG,
                  "20000"),
              new StringSerializer(),
              new StringSerializer())) {
        p.send(new ProducerRecord<>("after-refusal", "k", "v")).get(20, TimeUnit.SECONDS);
        p.send(new ProducerRecord<>("auto-created", "k", "v")).get(20, TimeUnit.SECONDS);
      }

      // the same port with another folder is refused too, in one line
      try (MixstreamProcess samePort =
          MixstreamProcess.start(
              "kafka", "--data-dir", dataDir + "-other", "--port", String.valueOf(port))) {
        assertThat(samePort.awaitExit(MINUTE)).isEqualTo(1);
        assertThat(samePort.output()).contains("port " + port).contains("--port 0");
      }

      first.terminate();
      assertThat(first.awaitExit(MINUTE)).as("the first broker stops on SIGTERM").isNotNegative();
      assertThat(first.output()).contains("stopping Kafka");
    }
  }

  @Test
  void aSaslSslBrokerWritesEachUsersClientFileAndTheyConnectWithIt(@TempDir Path dir)
      throws Exception {
    int port = LocalPorts.anyFree();
    try (MixstreamProcess broker =
        MixstreamProcess.start(
            "kafka",
            "--data-dir",
            dir.toString(),
            "--port",
            String.valueOf(port),
            "--sasl-ssl",
            "--user",
            "alice=wonderland")) {
      broker.awaitOutput("Kafka broker ready", Duration.ofSeconds(90));
      Path file = dir.resolve("tls").resolve("client-alice.properties");
      assertThat(broker.output()).contains("alice: --kafka-config " + file);
      java.util.Properties p = new java.util.Properties();
      try (var in = java.nio.file.Files.newBufferedReader(file)) {
        p.load(in);
      }
      assertThat(p.getProperty("sasl.jaas.config")).contains("password=\"wonderland\"");
      Map<String, Object> c = new java.util.HashMap<>();
      p.forEach((k, v) -> c.put(k.toString(), v));
      c.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
      try (Admin admin = Admin.create(c)) {
        admin.createTopics(List.of(new NewTopic("secured", 1, (short) 1))).all().get();
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("secured");
      }
      broker.terminate();
      assertThat(broker.awaitExit(MINUTE)).isNotNegative();
    }
    try (MixstreamProcess noUser =
        MixstreamProcess.start("kafka", "--data-dir", dir.toString() + "-2", "--sasl-ssl")) {
      assertThat(noUser.awaitExit(MINUTE)).isEqualTo(1);
      assertThat(noUser.output()).contains("--sasl-ssl needs at least one --user NAME=PASSWORD");
    }
  }
}

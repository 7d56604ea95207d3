package io.mixstream.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.kafka.BrokerSecurity;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker that requires TLS and a password (SASL_SSL, PLAIN; a CA and certificate made with
 * keytool at run time): replay, the training job and the embeddings reader work with the right
 * settings; a wrong password, a missing truststore and a plaintext client each fail fast with one
 * line that names the cause, and write nothing.
 */
@Tag("integration")
class SecuredKafkaTest {
  static final String PASSWORD = "alice-secret";

  @TempDir static Path tmp;
  static LocalKafkaBroker broker;
  static BrokerSecurity security;
  static Path alice;

  @BeforeAll
  static void start() throws Exception {
    security = BrokerSecurity.inFolder(tmp.resolve("tls"), Map.of("alice", PASSWORD));
    broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0, security);
    alice = security.writeClientFile("alice");
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static Path clientFile(String name, Map<String, String> settings) throws Exception {
    Properties p = new Properties();
    p.putAll(settings);
    Path f = tmp.resolve(name + ".properties");
    try (var out = Files.newBufferedWriter(f)) {
      p.store(out, null);
    }
    return f;
  }

  /** The job's --config file: the same client settings, each key under kafka. */
  private static Path jobFile(Map<String, String> settings) throws Exception {
    Map<String, String> prefixed = new HashMap<>();
    settings.forEach((k, v) -> prefixed.put("kafka." + k, v));
    return clientFile("job", prefixed);
  }

  private static Capture replay(String topic, Path kafkaConfig) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "replay",
                "--data",
                SharedData.cifar10().toString(),
                "--split",
                "test",
                "--limit",
                "64",
                "--topic",
                topic,
                "--bootstrap",
                broker.bootstrapServers(),
                "--timeout",
                "8"));
    if (kafkaConfig != null) {
      args.addAll(List.of("--kafka-config", kafkaConfig.toString()));
    }
    return Capture.run(args);
  }

  /** What the command said on stderr, but the line every failure ends with (MIXSTREAM_DEBUG). */
  private static List<String> problem(Capture c) {
    return c.err().strip().lines().filter(l -> !l.contains("MIXSTREAM_DEBUG=1")).toList();
  }

  private static Set<String> topics() throws Exception {
    Map<String, Object> c = new HashMap<>(security.clientProperties("alice", PASSWORD));
    c.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (Admin admin = Admin.create(c)) {
      return admin.listTopics().names().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void replayTheJobAndTheReaderWorkWithTheUsersSettings() throws Exception {
    Capture r = replay("secure-images", alice);
    assertThat(r.rc()).as(r.err()).isZero();

    Capture train =
        Capture.run(
            "train",
            "--config",
            jobFile(security.clientProperties("alice", PASSWORD)).toString(),
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--images-topic",
            "secure-images",
            "--dead-letter-topic",
            "secure-dead",
            "--metrics-topic",
            "secure-metrics",
            "--embeddings-topic",
            "secure-embeddings",
            "--bounded",
            "--width",
            "4",
            "--batch-size",
            "32",
            "--queue-size",
            "64",
            "--eval-every",
            "1",
            "--knn-bank-size",
            "0",
            "--embed-incoming",
            "--device",
            "cpu",
            "--checkpoint-dir",
            tmp.resolve("ckpt").toString(),
            "--snapshot-dir",
            tmp.resolve("snapshots").toString(),
            "--rest-port",
            "0",
            "--timeout",
            "20");
    assertThat(train.rc()).as(train.err()).isZero();
    assertThat(train.out()).contains("the job finished after 2 steps");

    Capture read =
        Capture.run(
            "embeddings",
            "--bootstrap",
            broker.bootstrapServers(),
            "--kafka-config",
            alice.toString(),
            "--topic",
            "secure-embeddings",
            "--step",
            "1");
    assertThat(read.rc()).as(read.err()).isZero();
    assertThat(read.out()).contains("model default at step 1: 32 images");
  }

  @Test
  void aWrongPasswordAMissingTruststoreAndAPlaintextClientEachFailFastInOneLine() throws Exception {
    Map<String, Capture> failures = new HashMap<>();
    failures.put(
        "Authentication failed",
        replay("bad-password", clientFile("wrong", security.clientProperties("alice", "nope"))));
    Map<String, String> noTrust = new HashMap<>(security.clientProperties("alice", PASSWORD));
    noTrust.put("ssl.truststore.location", tmp.resolve("no-such-truststore.p12").toString());
    failures.put("no-such-truststore.p12", replay("bad-truststore", clientFile("nt", noTrust)));
    long t0 = System.nanoTime();
    failures.put("this client speaks plaintext", replay("bad-plaintext", null));
    double plaintextSeconds = (System.nanoTime() - t0) / 1e9;
    for (var f : failures.entrySet()) {
      Capture c = f.getValue();
      assertThat(c.rc()).as(f.getKey()).isNotZero();
      assertThat(problem(c)).as("one line").hasSize(1).allMatch(l -> l.contains(f.getKey()));
    }
    assertThat(plaintextSeconds).as("within --timeout 8").isLessThan(20);

    Capture train =
        Capture.run(
            "train",
            "--config",
            jobFile(security.clientProperties("alice", "nope")).toString(),
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--width",
            "4",
            "--device",
            "cpu",
            "--checkpoint-dir",
            tmp.resolve("ckpt-bad").toString(),
            "--rest-port",
            "0",
            "--timeout",
            "8");
    assertThat(train.rc()).isNotZero();
    assertThat(problem(train)).hasSize(1).allMatch(l -> l.contains("Authentication failed"));

    assertThat(topics()).doesNotContain("bad-password", "bad-truststore", "bad-plaintext");
  }
}

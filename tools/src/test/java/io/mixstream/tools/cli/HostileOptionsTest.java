package io.mixstream.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user typed in an afternoon, and what it used to do: run on at width 16 after --width
 * -1, append a junk row to RESULTS.md after --budget 0s, fail on a tombstone, print only a path.
 * Each case now ends with one line naming the option and a non-zero exit, before anything starts.
 */
@Tag("integration")
class HostileOptionsTest {

  private static void assertOneLineError(Capture c) {
    assertThat(c.rc()).as(c.out() + c.err()).isEqualTo(1);
    assertThat(c.err().lines().filter(l -> l.startsWith("\tat "))).as("no stack trace").isEmpty();
    assertThat(c.err().lines().count()).as(c.err()).isLessThanOrEqualTo(2);
  }

  @Test
  void outOfRangeNumbersOfTheToolsAreNamedNotCrashedOn() {
    Capture power =
        Capture.run("attention", "--snapshot", "s.safetensors", "--image", "x.png", "--power", "3");
    assertOneLineError(power);
    assertThat(power.err()).contains("--power must be 1 (the mean of F) or 2");
    Capture steps = Capture.run("bench", "step", "--steps", "0", "--width", "4", "--batch", "16");
    assertOneLineError(steps);
    assertThat(steps.err()).contains("--steps must be at least 1").doesNotContain("out of bounds");
  }

  @Test
  void theJobNamesABadModelKeyAndANonTextConfigFileBeforeStarting(@TempDir Path work)
      throws Exception {
    Capture models = Capture.run("train", "--models", "moco,mocco-cutmix", "--device", "cpu");
    assertOneLineError(models);
    assertThat(models.err())
        .contains("'mocco-cutmix' is not a method")
        .contains("did you mean moco-cutmix?");
    Path binary = work.resolve("ls");
    java.nio.file.Files.write(binary, new byte[] {0x7f, 'E', 'L', 'F', (byte) 0xc3, 0x28, 0});
    Capture config = Capture.run("train", "--config", binary.toString());
    assertOneLineError(config);
    assertThat(config.err()).contains("not a properties file").doesNotContain("MalformedInput");
    Capture snapshots =
        Capture.run(
            "train",
            "--snapshot-dir",
            binary.toString(),
            "--checkpoint-dir",
            work.resolve("checkpoints").toString(),
            "--bootstrap-servers",
            "127.0.0.1:1", // nothing listens: the folder must be refused before the broker is asked
            "--device",
            "cpu");
    assertOneLineError(snapshots);
    assertThat(snapshots.err())
        .contains("--snapshot-dir " + binary + " is a file, not a folder")
        .doesNotContain("broker");
  }

  @Test
  void theDemoNamesEachBadOptionOfItsOwnBeforeStartingAnything(@TempDir Path work) {
    Capture c =
        Capture.run(
            "demo",
            "--work-dir",
            work.toString(),
            "--data",
            SharedData.cifar10().toString(),
            "--width",
            "-1",
            "--eval-every",
            "-5",
            "--steps",
            "-3",
            "--knn-bank",
            "-1",
            "--replay-rate",
            "0");
    assertOneLineError(c);
    assertThat(c.err())
        .contains("--width must be 0 or more")
        .contains("--eval-every must be 0 or more")
        .contains("--steps must be 0 or more")
        .contains("--knn-bank-size must be 0 or more")
        .contains("--replay-rate must be a positive number");
    assertThat(c.out()).doesNotContain("training config");
    assertThat(work.resolve("kafka")).doesNotExist();
  }

  @Test
  void qualityRefusesBudgetsThatAreNotPositiveDurationsAndWritesNoRow(@TempDir Path tmp) {
    Path results = tmp.resolve("RESULTS.md");
    for (String[] bad :
        new String[][] {
          {"--budget", "-5m", "--budget must be a positive duration"},
          {"--budget", "0s", "--budget must be a positive duration"},
          {"--budget", "10parsecs", "expected a duration such as 10s, 500ms, 2m or 1h"},
          {"--knn-bank", "-5", "--knn-bank-size must be 1 or more"},
          {"--knn-test", "20000", "--knn-bank-size and --knn-test-size may be at most"}
        }) {
      java.util.List<String> args =
          new java.util.ArrayList<>(
              java.util.List.of(
                  "quality",
                  "--data",
                  SharedData.cifar10().toString(),
                  "--results",
                  results.toString(),
                  "--width",
                  "4"));
      if (!bad[0].equals("--budget")) {
        args.addAll(java.util.List.of("--budget", "1s"));
      }
      args.addAll(java.util.List.of(bad[0], bad[1]));
      Capture c = Capture.run(args);
      assertOneLineError(c);
      assertThat(c.err()).as(bad[1]).contains(bad[2]);
      assertThat(results).as("no junk row").doesNotExist();
    }
  }

  @Test
  void errorsSayWhatIsWrongNotOnlyAPathOrANumber(@TempDir Path tmp) throws Exception {
    Capture plot =
        Capture.run("plot", "--file", "/no/such/metrics.jsonl", "--out", "/x/nodir/p.svg");
    assertOneLineError(plot);
    assertThat(plot.err()).contains("the folder /x/nodir does not exist");

    Capture missing =
        Capture.run("plot", "--file", "/no/such/metrics.jsonl", "--out", tmp.resolve("p.svg") + "");
    assertOneLineError(missing);
    assertThat(missing.err()).contains("/no/such/metrics.jsonl: no such file");

    Capture replay =
        Capture.run("replay", "--data", SharedData.cifar10().toString(), "--timeout", "0");
    assertOneLineError(replay);
    assertThat(replay.err()).contains("--timeout must be at least 1 second, got 0");

    Capture top = Capture.run("embeddings", "--top", "-5");
    assertOneLineError(top);
    assertThat(top.err()).contains("--top must be 1 or more, got -5");

    Capture attention =
        Capture.run(
            "attention",
            "--data",
            SharedData.cifar10().toString(),
            "--snapshot",
            tmp.resolve("none.safetensors").toString(),
            "--image",
            "cifar10-test-00001",
            "--out",
            tmp.toString());
    assertThat(attention.rc()).isNotZero();
    assertThat(attention.err()).contains("none.safetensors").containsPattern("no such file");
  }

  @Test
  void aStreamOrderMistakeIsNamedBeforeAnyBrokerIsAsked(@TempDir Path tmp) throws Exception {
    String cifar = SharedData.cifar10().toString();
    Capture typo = Capture.run("replay", "--data", cifar, "--order", "class-sortd");
    assertOneLineError(typo);
    assertThat(typo.err()).contains("--order class-sortd is not an order; choose one of");
    Capture both = Capture.run("replay", "--data", cifar, "--shuffle", "--order", "bursts:4");
    assertOneLineError(both);
    assertThat(both.err()).contains("--shuffle is --order shuffled");
    Path flat = tmp.resolve("flat");
    java.nio.file.Files.createDirectories(flat);
    java.awt.image.BufferedImage img =
        new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB);
    javax.imageio.ImageIO.write(img, "png", flat.resolve("a.png").toFile());
    // no broker listens here: the refusal comes first
    Capture unlabelled =
        Capture.run(
            "replay",
            "--data",
            flat.toString(),
            "--order",
            "class-blocks:10",
            "--bootstrap-servers",
            "127.0.0.1:1");
    assertOneLineError(unlabelled);
    assertThat(unlabelled.err())
        .contains("--order class-blocks:10 arranges the images by class, but these are unlabelled");
  }

  @Test
  void aMistypedOptionGetsOneLineNotTheWholeHelp() {
    Capture c = Capture.run("replay", "--data", "x", "--limt", "5");
    assertThat(c.rc()).isEqualTo(2);
    assertThat(c.err())
        .contains("Unknown options: '--limt'")
        .contains("mixstream replay --help")
        .contains("did you mean --limit?");
    assertThat(c.err().lines().count()).as(c.err()).isEqualTo(1);
  }

  @Test
  void aTombstoneOnTheMetricsTopicIsSkippedAndCounted(@TempDir Path tmp) throws Exception {
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0);
        KafkaProducer<byte[], byte[]> p =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
      for (int s = 1; s <= 3; s++) {
        String json =
            "{\"type\":\"train\",\"model\":\"default\",\"step\":%d,\"loss\":%d,\"terms\":{}}"
                .formatted(s, 9 - s);
        p.send(new ProducerRecord<>("metrics", null, json.getBytes(StandardCharsets.UTF_8))).get();
        if (s == 2) {
          p.send(new ProducerRecord<>("metrics", "default".getBytes(StandardCharsets.UTF_8), null))
              .get();
        }
      }
      Path svg = tmp.resolve("t.svg");
      Capture c =
          Capture.run("plot", "--bootstrap", broker.bootstrapServers(), "--out", svg.toString());
      assertThat(c.rc()).as(c.err()).isZero();
      assertThat(c.out()).contains("3 steps").contains("(1 records skipped)");
      assertThat(svg).exists();
    }
  }
}

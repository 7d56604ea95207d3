package io.mixstream.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedOptionsTest {
  @TempDir Path tmp;

  @Test
  void flagsWinOverTheFileAndEveryOptionHasItsTrainingJobSpelling() throws Exception {
    Path file = tmp.resolve("embed.properties");
    Files.writeString(
        file,
        "input-topic=photos\nbatch-size=16\nkafka.security.protocol=SASL_SSL\n"
            + "kafka.sasl.jaas.config=secret\n");
    EmbedConfig c =
        EmbedOptions.parse(
            new String[] {
              "--batch-size",
              "32",
              "--config",
              file.toString(),
              "--batch-timeout",
              "20ms",
              "--reembed-topic",
              "reference",
              "--bounded",
              "--snapshot-dir",
              "/s"
            },
            tmp);
    assertThat(c.inputTopic()).isEqualTo("photos");
    assertThat(c.batchSize()).isEqualTo(32);
    assertThat(c.batchTimeout()).isEqualTo(Duration.ofMillis(20));
    assertThat(c.bounded()).isTrue();
    assertThat(c.snapshotDir()).isEqualTo(Path.of("/s"));
    assertThat(c.resolvedReembedOutputTopic()).isEqualTo("reference-embeddings");
    assertThat(c.kafkaProperties()).containsEntry("security.protocol", "SASL_SSL");
    assertThat(c.describe().toString()).doesNotContain("secret");
    EmbedConfig d = EmbedOptions.parse(new String[0], tmp);
    assertThat(d.snapshotDir()).isEqualTo(tmp.resolve("mixstream-snapshots"));
    assertThat(d.exactlyOnce()).isTrue();
    assertThat(EmbedOptions.help(tmp))
        .anyMatch(l -> l.contains("--output-topic") && l.contains("image-embeddings"))
        .anyMatch(l -> l.contains("--batch-timeout") && l.contains("50ms"));
  }

  @Test
  void badValuesAreNamedAllAtOnce() {
    assertThatThrownBy(() -> EmbedOptions.parse(new String[] {"--images-topic", "x"}, tmp))
        .hasMessageContaining("unknown option(s) --images-topic");
    assertThatThrownBy(
            () ->
                EmbedOptions.parse(
                    new String[] {"--output-topic", "images", "--batch-timeout", "0s"}, tmp))
        .hasMessageContaining("topic images is read and written")
        .hasMessageContaining("batch-timeout must be positive");
  }
}

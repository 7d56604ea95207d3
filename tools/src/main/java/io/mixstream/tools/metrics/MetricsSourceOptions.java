package io.mixstream.tools.metrics;

import io.mixstream.tools.options.KafkaClientOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where a command reads metrics records: the metrics topic, or a file of them. */
public final class MetricsSourceOptions {
  @Mixin KafkaClientOptions kafka;

  @Option(
      names = "--topic",
      defaultValue = "metrics",
      description = "Metrics topic to read (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(
      names = "--file",
      paramLabel = "FILE",
      description = "Read the metrics records from this file (JSON lines) instead of Kafka.")
  Path file;

  @Option(
      names = "--timeout",
      defaultValue = "30",
      paramLabel = "SECONDS",
      description = "How long to wait for the broker (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  /**
   * The records as they are now.
   *
   * @throws IllegalArgumentException for a timeout under a second or a missing file
   */
  public MetricsInput read() throws IOException {
    if (timeoutSeconds < 1) {
      throw new IllegalArgumentException(
          "--timeout must be 1 second or more, got " + timeoutSeconds);
    }
    return MetricsInput.read(
        kafka.bootstrap(), kafka.properties(), topic, file, Duration.ofSeconds(timeoutSeconds));
  }

  /** What was read, for messages: the file, or "topic NAME". */
  public String describe() {
    return file != null ? file.toString() : "topic " + topic;
  }
}

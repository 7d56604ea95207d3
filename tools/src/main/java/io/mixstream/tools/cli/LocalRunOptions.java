package io.mixstream.tools.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** What `train` and `embed` share about their local Flink: where it listens, how long it waits. */
final class LocalRunOptions {
  @Option(
      names = "--rest-address",
      defaultValue = "127.0.0.1",
      description =
          "Address the dashboard listens on (default: ${DEFAULT-VALUE}, this machine only).")
  String restAddress;

  @Option(
      names = "--timeout",
      defaultValue = "30",
      paramLabel = "SECONDS",
      description =
          "How long to wait for the Kafka broker before the job starts (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  /**
   * @throws IllegalArgumentException when --timeout is under a second
   */
  Duration brokerTimeout() {
    if (timeoutSeconds < 1) {
      throw new IllegalArgumentException(
          "--timeout must be at least 1 second, got " + timeoutSeconds);
    }
    return Duration.ofSeconds(timeoutSeconds);
  }
}

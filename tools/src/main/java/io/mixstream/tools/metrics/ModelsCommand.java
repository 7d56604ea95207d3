package io.mixstream.tools.metrics;

import io.mixstream.records.MetricsCodec;
import io.mixstream.tools.cli.KafkaClientOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mixstream models`: every model of a metrics topic side by side, kNN beside its floor. */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = {
      "Prints every model of a metrics topic side by side.",
      "One line per model: its method, last step, images trained, and its latest kNN top-1 beside"
          + " its random-init floor (the step-0 evaluation) and the gain over it, in percentage"
          + " points. Reads the topic (or a file of its JSON records, one per line) as it is now."
    })
public final class ModelsCommand implements Callable<Integer> {
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

  @Override
  public Integer call() throws Exception {
    if (timeoutSeconds < 1) {
      throw new IllegalArgumentException(
          "--timeout must be 1 second or more, got " + timeoutSeconds);
    }
    MetricsInput input =
        MetricsInput.read(
            kafka.bootstrap(), kafka.properties(), topic, file, Duration.ofSeconds(timeoutSeconds));
    ModelTable table = new ModelTable();
    int skipped = 0;
    for (String line : input.lines()) {
      try {
        table.add(MetricsCodec.decode(line));
      } catch (IllegalArgumentException e) {
        skipped++;
      }
    }
    if (table.isEmpty()) {
      throw new IllegalArgumentException(
          "no metrics in " + (file != null ? file : "topic " + topic));
    }
    table.lines().forEach(System.out::println);
    if (skipped > 0) {
      System.out.printf("(%d records skipped: not metrics records)%n", skipped);
    }
    return 0;
  }
}

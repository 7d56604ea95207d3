package io.mixstream.tools.pictures;

import io.mixstream.kafka.TopicReader;
import io.mixstream.tools.cli.KafkaClientOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mixstream plot`: loss terms and kNN accuracy against step, to SVG or PNG. */
@Command(
    name = "plot",
    mixinStandardHelpOptions = true,
    description = {
      "Plots loss terms and kNN accuracy against the step, as SVG or PNG.",
      "Reads the metrics topic (or a file of its JSON records, one per line) and draws the loss,"
          + " each loss term, and kNN top-1 with the random-init floor. The --out file's"
          + " extension picks the format."
    })
public final class PlotCommand implements Callable<Integer> {
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
      names = "--model",
      defaultValue = "default",
      description = "Model key (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--out",
      defaultValue = "training.svg",
      description = "Output .svg or .png (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--timeout",
      defaultValue = "30",
      paramLabel = "SECONDS",
      description = "How long to wait for the broker (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public Integer call() throws IOException {
    String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
    if (!name.endsWith(".svg") && !name.endsWith(".png")) {
      throw new IllegalArgumentException("--out must end in .svg or .png, got " + out);
    }
    Path folder = out.toAbsolutePath().getParent();
    if (folder != null && !Files.isDirectory(folder)) {
      throw new IllegalArgumentException(
          "--out %s: the folder %s does not exist (create it, or write elsewhere)"
              .formatted(out, folder));
    }
    if (file != null && !Files.isRegularFile(file)) {
      throw new IllegalArgumentException("--file " + file + ": no such file");
    }
    if (timeoutSeconds < 1) {
      throw new IllegalArgumentException(
          "--timeout must be 1 second or more, got " + timeoutSeconds);
    }
    TrainingCurves curves = new TrainingCurves();
    if (file != null) {
      for (String line : Files.readAllLines(file)) {
        if (!line.isBlank()) {
          curves.add(line, model);
        }
      }
    } else {
      try (TopicReader r =
          new TopicReader(
              kafka.bootstrap(),
              kafka.properties(),
              topic,
              "the job writes it from its first step")) {
        for (byte[] v : r.readAll(Duration.ofSeconds(timeoutSeconds))) {
          curves.add(new String(v, StandardCharsets.UTF_8), model);
        }
        curves.skipped += (int) r.tombstones();
      }
    }
    if (curves.steps.isEmpty() && curves.knn.isEmpty()) {
      throw new IllegalArgumentException(
          "no metrics of model " + model + " in " + (file != null ? file : "topic " + topic));
    }
    List<LineChart> panels =
        List.of(
            new LineChart("training loss (InfoNCE)", "loss", curves.losses(1000)),
            new LineChart("kNN top-1 accuracy", "%", curves.knnAccuracy()));
    ChartFile.writeCharts(out, panels);
    System.out.printf(
        "%s: %,d steps, %,d kNN evaluations of model %s%s%n",
        out,
        curves.steps.size(),
        curves.knn.size(),
        model,
        curves.skipped > 0 ? " (%d records skipped)".formatted(curves.skipped) : "");
    return 0;
  }
}

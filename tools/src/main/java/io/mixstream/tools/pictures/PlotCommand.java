package io.mixstream.tools.pictures;

import io.mixstream.tools.metrics.MetricsInput;
import io.mixstream.tools.metrics.MetricsSourceOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mixstream plot`: loss terms and kNN accuracy against step (every model), to SVG or PNG. */
@Command(
    name = "plot",
    mixinStandardHelpOptions = true,
    description = {
      "Plots the loss terms, kNN accuracy and label-free measures by step, as SVG or PNG.",
      "Reads the metrics topic (or a file of its JSON records, one per line) and draws the loss,"
          + " each loss term, kNN top-1 with the random-init floor, and where the job took them the"
          + " label-free measures: RankMe, alignment and uniformity, and the embedding std times"
          + " sqrt(d). With several models on the topic, each chart shows all of them: kNN top-1"
          + " against the step and against the images seen, the loss, RankMe and the std. The"
          + " --out file's extension picks the format."
    })
public final class PlotCommand implements Callable<Integer> {
  @Mixin MetricsSourceOptions source;

  @Option(
      names = "--model",
      paramLabel = "KEY",
      description =
          "Plot this model only (default: every model on the topic; several share each chart).")
  String model;

  @Option(
      names = "--out",
      defaultValue = "training.svg",
      description = "Output .svg or .png (default: ${DEFAULT-VALUE}).")
  Path out;

  /**
   * One model: its loss and each loss term, its kNN top-1 with the floor, and its label-free
   * measures where it has them.
   */
  private static List<LineChart> onePanel(Map<String, TrainingCurves> one) {
    TrainingCurves c = one.values().iterator().next();
    List<LineChart> charts = new ArrayList<>();
    charts.add(new LineChart("training loss (InfoNCE)", "loss", c.losses(1000)));
    if (!c.knn.isEmpty()) {
      charts.add(new LineChart("kNN top-1 accuracy", "%", c.knnAccuracy()));
    }
    if (!c.quality.isEmpty()) {
      int[] p = TrainingCurves.PALETTE;
      charts.add(
          new LineChart(
              "RankMe (directions the embeddings use, of d)",
              "RankMe",
              List.of(c.measure("RankMe", p[0], q -> q.rankMe()))));
      charts.add(
          new LineChart(
              "alignment and uniformity (lower is better for both)",
              "value",
              List.of(
                  c.measure("alignment (0 to 4)", p[1], q -> q.alignment()),
                  c.measure("uniformity (0 to about -4)", p[2], q -> q.uniformity()))));
      charts.add(
          new LineChart(
              "embedding std x sqrt(d) (1 spread evenly, 0 collapsed)",
              "std x sqrt(d)",
              List.of(c.measure("std x sqrt(d)", p[3], TrainingCurves::relativeStd))));
    }
    return charts;
  }

  /** Several models on each chart: kNN against step and against images seen, and the loss. */
  private static List<LineChart> sideBySide(Map<String, TrainingCurves> models) {
    List<Series> byStep = new ArrayList<>();
    List<Series> byImages = new ArrayList<>();
    List<Series> loss = new ArrayList<>();
    List<Series> rankMe = new ArrayList<>();
    List<Series> std = new ArrayList<>();
    int i = 0;
    for (var e : models.entrySet()) {
      int rgb = TrainingCurves.PALETTE[i++ % TrainingCurves.PALETTE.length];
      byStep.add(e.getValue().knn(e.getKey(), rgb, false));
      byImages.add(e.getValue().knn(e.getKey(), rgb, true));
      loss.add(e.getValue().loss(e.getKey(), rgb, 1000));
      rankMe.add(e.getValue().measure(e.getKey(), rgb, q -> q.rankMe()));
      std.add(e.getValue().measure(e.getKey(), rgb, TrainingCurves::relativeStd));
    }
    List<LineChart> charts = new ArrayList<>();
    charts.add(new LineChart("kNN top-1 accuracy by step", "step", "%", byStep));
    charts.add(new LineChart("kNN top-1 accuracy by images seen", "images trained", "%", byImages));
    charts.add(new LineChart("training loss (InfoNCE)", "loss", loss));
    if (models.values().stream().anyMatch(c -> !c.quality.isEmpty())) {
      charts.add(new LineChart("RankMe by step", "RankMe", rankMe));
      charts.add(new LineChart("embedding std x sqrt(d) by step", "std x sqrt(d)", std));
    }
    return charts;
  }

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
    MetricsInput input = source.read();
    TrainingCurves.ByModel all = TrainingCurves.ByModel.of(input.lines());
    Map<String, TrainingCurves> chosen = new LinkedHashMap<>(all.models());
    if (model != null) {
      chosen.keySet().retainAll(List.of(model));
    }
    chosen.values().removeIf(c -> c.steps.isEmpty() && c.knn.isEmpty() && c.quality.isEmpty());
    String from = source.describe();
    if (chosen.isEmpty()) {
      throw new IllegalArgumentException(
          model == null
              ? "no metrics in " + from
              : "no metrics of model %s in %s (models there: %s)"
                  .formatted(model, from, String.join(", ", all.models().keySet())));
    }
    ChartFile.writeCharts(out, chosen.size() == 1 ? onePanel(chosen) : sideBySide(chosen));
    long skipped = all.skipped() + input.tombstones();
    for (var e : chosen.entrySet()) {
      System.out.printf(
          "%s: %,d steps, %,d kNN evaluations, %,d quality readings of model %s%n",
          out,
          e.getValue().steps.size(),
          e.getValue().knn.size(),
          e.getValue().quality.size(),
          e.getKey());
    }
    if (skipped > 0) {
      System.out.printf("(%d records skipped)%n", skipped);
    }
    return 0;
  }
}

package io.mixstream.tools.metrics;

import io.mixstream.records.MetricsRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The models of a metrics topic side by side: each one's method, last step, images trained, mean
 * step time, latest kNN top-1 beside its random-init floor (the step-0 evaluation) and on the
 * pooled backbone features (every method on the same footing, §15: Table 1's column), and its
 * latest label-free measures (RankMe, the embedding std in units of 1/√d, whether it has
 * collapsed). Feed it records in topic order; a model's later record of a step wins, as a restart
 * replays steps.
 */
public final class ModelTable {
  /** What the table knows of one model. */
  public static final class Row {
    public final String model;
    public String method = "";
    public long step = -1;
    public long images = -1;
    public long knnStep = -1;
    public double knn = Double.NaN;
    public double pooledKnn = Double.NaN;
    public double floor = Double.NaN;
    double stepSecondsSum;
    long stepSecondsCount;
    public MetricsRecord.Quality quality;

    Row(String model) {
      this.model = model;
    }

    /** The mean time of a training step, in seconds; NaN before the first. */
    public double stepSeconds() {
      return stepSecondsCount == 0 ? Double.NaN : stepSecondsSum / stepSecondsCount;
    }

    /** kNN top-1 over the floor, in percentage points; NaN until both are known. */
    public double gain() {
      return 100 * (knn - floor);
    }
  }

  private final Map<String, Row> rows = new LinkedHashMap<>();

  public void add(MetricsRecord r) {
    Row row = rows.computeIfAbsent(r.model(), Row::new);
    if (r instanceof MetricsRecord.Train t) {
      if (Double.isFinite(t.stepSeconds())) {
        row.stepSecondsSum += t.stepSeconds();
        row.stepSecondsCount++;
      }
      if (t.step() >= row.step) {
        row.step = t.step();
        row.images = t.images();
      }
    } else if (r instanceof MetricsRecord.Knn k) {
      row.method = k.method();
      if (k.step() == 0) {
        row.floor = k.accuracy();
      }
      if (k.step() >= row.knnStep) {
        row.knnStep = k.step();
        row.knn = k.accuracy();
        row.pooledKnn = Double.isNaN(k.pooledAccuracy()) ? pooledOwn(k) : k.pooledAccuracy();
      }
    } else if (r instanceof MetricsRecord.Quality q
        && (row.quality == null || q.step() >= row.quality.step())) {
      row.quality = q;
    }
  }

  /**
   * A headless method's own kNN (SimCLR's, BYOL's) is on the pooled features; a record without one
   * from the MoCo family, or of a method this version does not know: NaN.
   */
  private static double pooledOwn(MetricsRecord.Knn k) {
    if (k.method() == null) {
      return Double.NaN;
    }
    try {
      return io.mixstream.config.Method.parse(k.method()).headless() ? k.accuracy() : Double.NaN;
    } catch (IllegalArgumentException unknownMethod) {
      return Double.NaN;
    }
  }

  /** What the table knows of {@code model}; null before its first record. */
  public Row row(String model) {
    return rows.get(model);
  }

  /** The models in the order they first appeared. */
  public List<Row> rows() {
    return new ArrayList<>(rows.values());
  }

  public boolean isEmpty() {
    return rows.isEmpty();
  }

  /** The table as text, a header and one line per model. */
  public List<String> lines() {
    List<String> out = new ArrayList<>();
    int w = Math.max(5, rows.keySet().stream().mapToInt(String::length).max().orElse(5));
    String format = "%-" + w + "s  %-11s %8s %11s %7s  %8s %8s %8s %8s %8s  %7s %7s %9s";
    out.add(
        format.formatted(
            "model",
            "method",
            "step",
            "images",
            "s/step",
            "kNN step",
            "kNN %",
            "floor %",
            "gain",
            "pooled %",
            "RankMe",
            "std·√d",
            "collapsed"));
    for (Row r : rows.values()) {
      MetricsRecord.Quality q = r.quality;
      out.add(
          format.formatted(
              r.model,
              r.method.isEmpty() ? "-" : r.method,
              r.step < 0 ? "-" : Long.toString(r.step),
              r.images < 0 ? "-" : "%,d".formatted(r.images),
              Double.isNaN(r.stepSeconds())
                  ? "-"
                  : String.format(Locale.ROOT, "%.3f", r.stepSeconds()),
              r.knnStep < 0 ? "-" : Long.toString(r.knnStep),
              percent(r.knn),
              percent(r.floor),
              Double.isNaN(r.gain()) ? "-" : String.format(Locale.ROOT, "%+.2f", r.gain()),
              percent(r.pooledKnn),
              q == null ? "-" : String.format(Locale.ROOT, "%.1f", q.rankMe()),
              q == null
                  ? "-"
                  : String.format(Locale.ROOT, "%.2f", q.embeddingStd() * Math.sqrt(q.dim())),
              q == null ? "-" : q.collapsed() ? "yes" : "no"));
    }
    return out;
  }

  private static String percent(double fraction) {
    return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.2f", 100 * fraction);
  }
}

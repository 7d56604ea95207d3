package io.mixstream.tools.pictures;

import java.util.List;
import java.util.Locale;

/** One panel: axes with round-number ticks, a title, and its series with a legend. */
final class LineChart {
  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Series> series;

  /** Against the training step. */
  LineChart(String title, String yLabel, List<Series> series) {
    this(title, "step", yLabel, series);
  }

  LineChart(String title, String xLabel, String yLabel, List<Series> series) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
    this.series = series;
  }

  void draw(Canvas c, double left, double top, double width, double height) {
    double x0 = left + 60;
    double y0 = top + 30;
    double w = width - 80;
    double h = height - 70;
    double[] xr = range(0);
    double[] yr = range(1);
    c.text(left + width / 2, top + 18, title, 0, 14);
    c.line(x0, y0 + h, x0 + w, y0 + h, 0x000000, 1, false);
    c.line(x0, y0, x0, y0 + h, 0x000000, 1, false);
    for (double t : ticks(xr)) {
      double x = x0 + (t - xr[0]) / (xr[1] - xr[0]) * w;
      c.line(x, y0 + h, x, y0 + h + 4, 0x000000, 1, false);
      c.text(x, y0 + h + 16, label(t), 0, 10);
    }
    for (double t : ticks(yr)) {
      double y = y0 + h - (t - yr[0]) / (yr[1] - yr[0]) * h;
      c.line(x0 - 4, y, x0 + w, y, 0xdddddd, 1, false);
      c.text(x0 - 6, y + 4, label(t), 1, 10);
    }
    c.text(x0 + w / 2, y0 + h + 32, xLabel, 0, 11);
    c.text(left + 4, y0 - 10, yLabel, -1, 11);
    int row = 0;
    for (Series s : series) {
      if (s.points().isEmpty()) {
        continue;
      }
      double[] xs = new double[s.points().size()];
      double[] ys = new double[xs.length];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = x0 + (s.points().get(i)[0] - xr[0]) / (xr[1] - xr[0]) * w;
        ys[i] = y0 + h - (s.points().get(i)[1] - yr[0]) / (yr[1] - yr[0]) * h;
      }
      if (s.dashed()) {
        c.line(xs[0], ys[0], xs[xs.length - 1], ys[ys.length - 1], s.rgb(), 1.5, true);
      } else {
        c.polyline(xs, ys, s.rgb(), 1.5);
      }
      double ly = y0 + 12 + 14 * row++;
      c.line(x0 + w - 130, ly - 4, x0 + w - 110, ly - 4, s.rgb(), 2, s.dashed());
      c.text(x0 + w - 105, ly, s.name(), -1, 10);
    }
  }

  /** [min, max] over all series of coordinate {@code axis}, never empty. */
  private double[] range(int axis) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (double[] p : s.points()) {
        min = Math.min(min, p[axis]);
        max = Math.max(max, p[axis]);
      }
    }
    if (!(min <= max)) {
      return new double[] {0, 1};
    }
    if (min == max) {
      return new double[] {min - 1, max + 1};
    }
    double pad = axis == 1 ? 0.05 * (max - min) : 0;
    return new double[] {min - pad, max + pad};
  }

  /** About five round ticks inside the range. */
  static double[] ticks(double[] r) {
    double span = r[1] - r[0];
    double raw = span / 5;
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double step = raw / mag >= 5 ? 5 * mag : raw / mag >= 2 ? 2 * mag : mag;
    double first = Math.ceil(r[0] / step) * step;
    int n = (int) Math.floor((r[1] - first) / step) + 1;
    double[] t = new double[Math.max(0, n)];
    for (int i = 0; i < t.length; i++) {
      t[i] = first + i * step;
    }
    return t;
  }

  private static String label(double v) {
    return Math.abs(v - Math.rint(v)) < 1e-9
        ? Long.toString(Math.round(v))
        : String.format(Locale.ROOT, "%.3g", v);
  }
}

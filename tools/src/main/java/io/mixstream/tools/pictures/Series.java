package io.mixstream.tools.pictures;

import java.util.ArrayList;
import java.util.List;

/** A named line of (x, y) points. */
record Series(String name, List<double[]> points, int rgb, boolean dashed) {
  static Series of(String name, int rgb) {
    return new Series(name, new ArrayList<>(), rgb, false);
  }

  /** A point; one whose y is not a finite number (a skipped step's loss) is left out. */
  void add(double x, double y) {
    if (!Double.isFinite(y)) {
      return;
    }
    points.add(new double[] {x, y});
  }

  /** At most {@code max} points: means of equal runs of consecutive points. */
  Series thinned(int max) {
    if (points.size() <= max) {
      return this;
    }
    int per = (points.size() + max - 1) / max;
    Series out = new Series(name, new ArrayList<>(), rgb, dashed);
    for (int i = 0; i < points.size(); i += per) {
      double sx = 0;
      double sy = 0;
      int n = Math.min(per, points.size() - i);
      for (int j = i; j < i + n; j++) {
        sx += points.get(j)[0];
        sy += points.get(j)[1];
      }
      out.add(sx / n, sy / n);
    }
    return out;
  }
}

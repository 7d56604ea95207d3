package io.mixstream.tools.pictures;

import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The metrics topic's records of one model, as chart series: the loss and each of its terms per
 * step (type train), kNN top-1 per evaluated step (type knn) with the step-0 floor, and the
 * label-free measures per reading (type quality). A record seen twice (the job replays steps after
 * a restore) counts once: the later copy wins.
 */
final class TrainingCurves {
  static final int[] PALETTE = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b};

  final Map<Long, MetricsRecord.Train> steps = new TreeMap<>();
  final Map<Long, Double> knn = new TreeMap<>();
  final Map<Long, MetricsRecord.Quality> quality = new TreeMap<>();

  /** Every model's curves, in the order the models first appear; undecodable lines counted. */
  record ByModel(Map<String, TrainingCurves> models, int skipped) {
    static ByModel of(List<String> lines) {
      Map<String, TrainingCurves> models = new LinkedHashMap<>();
      int skipped = 0;
      for (String json : lines) {
        try {
          MetricsRecord r = MetricsCodec.decode(json);
          models.computeIfAbsent(r.model(), m -> new TrainingCurves()).add(r);
        } catch (IllegalArgumentException e) {
          skipped++;
        }
      }
      return new ByModel(models, skipped);
    }
  }

  void add(MetricsRecord r) {
    if (r instanceof MetricsRecord.Train t) {
      steps.put(t.step(), t);
    } else if (r instanceof MetricsRecord.Knn k) {
      knn.put(k.step(), k.accuracy());
    } else if (r instanceof MetricsRecord.Quality q) {
      quality.put(q.step(), q);
    }
  }

  /** One label-free measure (§17) against the step, named {@code name}. */
  Series measure(
      String name, int rgb, java.util.function.ToDoubleFunction<MetricsRecord.Quality> value) {
    Series s = Series.of(name, rgb);
    quality.forEach(
        (step, q) -> {
          double v = value.applyAsDouble(q);
          if (Double.isFinite(v)) {
            s.add(step, v);
          }
        });
    return s;
  }

  /** The embedding std in units of 1/√d: 1 when spread evenly over the sphere, 0 collapsed. */
  static double relativeStd(MetricsRecord.Quality q) {
    return q.embeddingStd() * Math.sqrt(q.dim());
  }

  List<Series> losses(int maxPoints) {
    Map<String, Series> byName = new TreeMap<>();
    Series total = Series.of("loss", PALETTE[0]);
    for (var e : steps.entrySet()) {
      total.add(e.getKey(), e.getValue().loss());
      Map<String, Double> terms = e.getValue().terms();
      if (terms.size() > 1) {
        for (var t : new TreeMap<>(terms).entrySet()) {
          byName
              .computeIfAbsent(
                  t.getKey(), n -> Series.of(n, PALETTE[1 + byName.size() % (PALETTE.length - 1)]))
              .add(e.getKey(), t.getValue());
        }
      }
    }
    List<Series> out = new ArrayList<>();
    out.add(total.thinned(maxPoints));
    byName.values().forEach(s -> out.add(s.thinned(maxPoints)));
    return out;
  }

  /** The total loss only, named after the model: one line of a chart of several models. */
  Series loss(String model, int rgb, int maxPoints) {
    Series s = Series.of(model, rgb);
    steps.forEach((step, t) -> s.add(step, t.loss()));
    return s.thinned(maxPoints);
  }

  /**
   * kNN top-1 (%) against the step, or against the images the model had trained by then (read from
   * the step's train record; evaluations whose step has none are left out).
   */
  Series knn(String model, int rgb, boolean againstImages) {
    Series s = Series.of(model, rgb);
    knn.forEach(
        (step, a) -> {
          if (!againstImages) {
            s.add(step, 100 * a);
          } else if (step == 0) {
            s.add(0, 100 * a);
          } else if (steps.containsKey(step) && steps.get(step).images() >= 0) {
            s.add(steps.get(step).images(), 100 * a);
          }
        });
    return s;
  }

  List<Series> knnAccuracy() {
    Series acc = Series.of("kNN top-1 (%)", PALETTE[0]);
    knn.forEach((step, a) -> acc.add(step, 100 * a));
    List<Series> out = new ArrayList<>(List.of(acc));
    Double floor = knn.get(0L);
    if (floor != null && knn.size() > 1) {
      long last = ((TreeMap<Long, Double>) knn).lastKey();
      Series f = new Series("random-init floor", new ArrayList<>(), 0x888888, true);
      f.add(0, 100 * floor);
      f.add(last, 100 * floor);
      out.add(f);
    }
    return out;
  }
}

package io.mixstream.job.training;

import io.mixstream.augment.SourceImage;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.ingest.TrainingImage;
import io.mixstream.quality.CollapseWatch;
import io.mixstream.quality.QualityMeasures;
import io.mixstream.quality.QualityProbe;
import io.mixstream.records.MetricsRecord;
import io.mixstream.train.MocoTrainer;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.functions.RuntimeContext;

/**
 * The trainer's label-free measures (docs/ALGORITHM.md §17): the window of recent images in keyed
 * state, a reading of the model on it when asked, the collapse watch, and what a reading tells the
 * user (a log line, the gauges, a metrics record; one WARN line when a collapse begins).
 */
final class QualityReadings {
  // the trainer's lines, under its name, beside its other lines
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(OnlineTrainer.class);

  private final String modelKey;
  private final QualitySettings settings;
  private final QualityWindow window;
  private final QualityProbe probe;
  private final CollapseWatch collapse;
  private final TrainerMetrics metrics;

  /**
   * Registers the window's state in {@code context} (call from {@code open}).
   *
   * @param restoredStreak collapsed readings in a row from a checkpoint; 0 for a new model
   */
  QualityReadings(
      RuntimeContext context,
      String modelKey,
      TrainingConfig config,
      QualitySettings settings,
      int restoredStreak,
      TrainerMetrics metrics) {
    this.modelKey = modelKey;
    this.settings = settings;
    this.window = new QualityWindow(context, settings.window());
    this.probe = new QualityProbe(config);
    this.collapse =
        new CollapseWatch(settings.collapseStd(), settings.collapseRank(), restoredStreak);
    this.metrics = metrics;
    metrics.qualityGauges(collapse);
  }

  /** Keeps an arriving image in the window, for the current key. */
  void add(TrainingImage image) throws Exception {
    window.add(image);
  }

  /** Whether a reading is due after {@code step} steps. */
  boolean due(long step) {
    return step % settings.every() == 0;
  }

  /**
   * Reads the model on the window. The reading at step 0 is the random network's floor: it does not
   * count towards a collapse.
   *
   * @return the metrics record; null while the window holds fewer than 2 images
   */
  MetricsRecord.Quality read(MocoTrainer trainer) throws Exception {
    List<TrainingImage> images = window.images();
    if (images.size() < 2) {
      return null;
    }
    long step = trainer.stepCount();
    long t0 = System.nanoTime();
    SourceImage[] sources =
        images.parallelStream().map(TrainingImage::source).toArray(SourceImage[]::new);
    QualityMeasures m = probe.measure(trainer, sources, step);
    double seconds = (System.nanoTime() - t0) / 1e9;
    boolean floor = step == 0;
    if (!floor && collapse.observe(m)) {
      LOG.warn(
          "model {}: the embeddings have collapsed at step {} ({} readings in a row): embedding"
              + " std {} (1/sqrt(d) = {} when spread evenly; collapse under {}), RankMe {} of d = {}"
              + " (collapse under {}); the learning rate, the weight decay or the method's"
              + " settings are the usual cause",
          modelKey,
          step,
          CollapseWatch.PATIENCE,
          "%.4f".formatted(m.embeddingStd()),
          "%.4f".formatted(1 / Math.sqrt(m.dim())),
          "%.4f".formatted(settings.collapseStd() / Math.sqrt(m.dim())),
          "%.1f".formatted(m.rankMe()),
          m.dim(),
          "%.1f".formatted(settings.collapseRank() * m.dim()));
    }
    boolean collapsed = !floor && collapse.collapsed();
    LOG.info(
        "{} step {}: RankMe {} of d = {}, embedding std x sqrt(d) {}, alignment {}, uniformity {}"
            + " (window {}; {} s){}",
        modelKey,
        step,
        "%.1f".formatted(m.rankMe()),
        m.dim(),
        "%.3f".formatted(m.embeddingStd() * Math.sqrt(m.dim())),
        "%.3f".formatted(m.alignment()),
        "%.3f".formatted(m.uniformity()),
        m.images(),
        "%.1f".formatted(seconds),
        floor ? " (random-init floor)" : collapsed ? " (collapsed)" : "");
    metrics.quality(m, seconds);
    return new MetricsRecord.Quality(
        modelKey,
        step,
        m.images(),
        m.dim(),
        m.rankMe(),
        m.alignment(),
        m.uniformity(),
        m.embeddingStd(),
        collapsed,
        seconds,
        Instant.now());
  }

  /** Collapsed readings in a row, for the checkpoint. */
  int collapseStreak() {
    return collapse.streak();
  }
}

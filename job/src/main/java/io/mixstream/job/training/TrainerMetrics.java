package io.mixstream.job.training;

import io.mixstream.config.TrainingConfig;
import io.mixstream.quality.CollapseWatch;
import io.mixstream.quality.QualityMeasures;
import io.mixstream.queue.QueueName;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.StepReport;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.MetricGroup;

/**
 * The trainer's gauges in the Flink dashboard: the last step's loss, each loss term, λ, the
 * learning rate (and whether it has reached its final 0), throughput, how long the batch took to
 * arrive, the step, the device, restore time and how full each queue is of real keys.
 */
final class TrainerMetrics {
  private final MetricGroup group;
  private final Map<String, Double> values = new ConcurrentHashMap<>(); // read by reporter threads
  private volatile double restoreSeconds;
  private volatile int nonfiniteInARow;
  private volatile long nonfiniteSteps;

  TrainerMetrics(MetricGroup group, MocoTrainer trainer, TrainingConfig config) {
    this.group = group;
    for (String name :
        List.of("loss", "lambda", "learningRate", "imagesPerSecond", "batchAssemblySeconds")) {
      register(name);
    }
    group.gauge("step", trainer::stepCount);
    group.gauge("modelVersion", trainer::stepCount);
    group.gauge("onGpu", () -> trainer.onGpu() ? 1 : 0);
    group.gauge("restoreSeconds", () -> restoreSeconds);
    // steps skipped because their loss or gradient was not finite: in a row now, and since start
    group.gauge("nonfiniteStepsInARow", () -> nonfiniteInARow);
    group.gauge("nonfiniteSteps", () -> nonfiniteSteps);
    // 1 once a step has run at the schedule's final rate of 0: the model no longer learns
    group.gauge("learningRateAtZero", () -> trainer.learningRateEnded() ? 1 : 0);
    for (QueueName q : config.method().queues()) {
      group.gauge(
          queueFillName(q),
          () -> queueFill(trainer.stepCount(), config.batchSize(), config.moco().queueSize()));
    }
  }

  /** {@code queueFillOriginal}, {@code queueFillGlobal}, {@code queueFillLocal}. */
  static String queueFillName(QueueName q) {
    return "queueFill" + q.name().charAt(0) + q.name().substring(1).toLowerCase(Locale.ROOT);
  }

  /**
   * The fraction of a queue that holds keys of trained images rather than its random start: every
   * step writes {@code batch} columns of each queue it feeds, so {@code min(1, steps·B / K)}.
   */
  static double queueFill(long steps, int batch, int queueSize) {
    return Math.min(1.0, steps * (double) batch / queueSize);
  }

  void restored(double seconds) {
    restoreSeconds = seconds;
  }

  /**
   * @param batchSeconds from the end of the previous step to this batch being complete
   * @param imagesPerSecond the batch over the time since the previous step ended; NaN for the first
   */
  void step(StepReport r, double batchSeconds, double imagesPerSecond) {
    if (r.applied()) {
      nonfiniteInARow = 0;
    }
    values.put("loss", r.loss());
    values.put("lambda", r.lambda());
    values.put("learningRate", r.lr());
    values.put("batchAssemblySeconds", batchSeconds);
    if (!Double.isNaN(imagesPerSecond)) {
      values.put("imagesPerSecond", imagesPerSecond);
    }
    for (var term : r.terms().entrySet()) {
      String name = "loss_" + term.getKey();
      if (values.put(name, term.getValue()) == null) {
        group.gauge(name, () -> values.get(name));
      }
    }
  }

  /** A step skipped for a non-finite loss or gradient, the {@code inARow}-th in a row. */
  void skipped(int inARow) {
    nonfiniteInARow = inARow;
    nonfiniteSteps++;
  }

  /**
   * The label-free measures' gauges (§17): rankMe, alignment, uniformity, embeddingStd, the seconds
   * a reading took, and collapsed (1 while the last three or more readings said collapse, for an
   * alert).
   */
  void qualityGauges(CollapseWatch watch) {
    for (String name :
        List.of("rankMe", "alignment", "uniformity", "embeddingStd", "qualitySeconds")) {
      register(name);
    }
    group.gauge("collapsed", () -> watch.collapsed() ? 1 : 0);
  }

  void quality(QualityMeasures m, double seconds) {
    values.put("rankMe", m.rankMe());
    values.put("alignment", m.alignment());
    values.put("uniformity", m.uniformity());
    values.put("embeddingStd", m.embeddingStd());
    values.put("qualitySeconds", seconds);
  }

  private void register(String name) {
    values.put(name, Double.NaN);
    group.gauge(name, () -> values.get(name));
  }
}

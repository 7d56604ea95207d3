package io.mixstream.tools.run;

import io.mixstream.job.training.StepResult;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.functions.FilterFunction;

/**
 * Prints every tenth step and counts the job's steps for --steps and the stop message, in that
 * order, so a counted step has been printed. The local Flink of demo and train runs in this JVM, so
 * the static counter and standard output are the command's own. Lets nothing through.
 */
public final class StepCounter implements FilterFunction<StepResult> {
  private static final long serialVersionUID = 1L;
  private static final Map<String, Long> STEPS = new ConcurrentHashMap<>();
  private static volatile int models = 1;

  /** Forgets the counts, for a job of {@code models} models. */
  public static void reset(int models) {
    STEPS.clear();
    StepCounter.models = models;
  }

  /** The steps every model has done: the slowest model's last step (0 until each has one). */
  public static long steps() {
    if (STEPS.size() < models) {
      return 0;
    }
    return STEPS.values().stream().mapToLong(Long::longValue).min().orElse(0);
  }

  @Override
  public boolean filter(StepResult r) {
    if (r.step == 1 || r.step % 10 == 0) {
      System.out.println(r);
    }
    STEPS.merge(r.modelKey, r.step, Math::max);
    return false;
  }
}

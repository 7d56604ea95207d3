package io.mixstream.tools.run;

import io.mixstream.job.training.StepResult;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.FilterFunction;

/**
 * Prints every tenth step and counts the job's steps for --steps and the stop message, in that
 * order, so a counted step has been printed. The local Flink of demo and train runs in this JVM, so
 * the static counter and standard output are the command's own. Lets nothing through.
 */
public final class StepCounter implements FilterFunction<StepResult> {
  private static final long serialVersionUID = 1L;
  private static final AtomicLong STEPS = new AtomicLong();

  public static void reset() {
    STEPS.set(0);
  }

  public static long steps() {
    return STEPS.get();
  }

  @Override
  public boolean filter(StepResult r) {
    if (r.step == 1 || r.step % 10 == 0) {
      System.out.println(r);
    }
    STEPS.accumulateAndGet(r.step, Math::max);
    return false;
  }
}

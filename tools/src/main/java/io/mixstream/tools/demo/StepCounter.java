package io.mixstream.tools.demo;

import io.mixstream.operators.StepResult;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.FilterFunction;

/**
 * Counts the job's steps for the demo's --steps, and lets every tenth through to the log. The
 * demo's Flink runs in this JVM, so a static counter is visible to the command.
 */
final class StepCounter implements FilterFunction<StepResult> {
  private static final long serialVersionUID = 1L;
  private static final AtomicLong STEPS = new AtomicLong();

  static void reset() {
    STEPS.set(0);
  }

  static long steps() {
    return STEPS.get();
  }

  @Override
  public boolean filter(StepResult r) {
    STEPS.accumulateAndGet(r.step, Math::max);
    return r.step == 1 || r.step % 10 == 0;
  }
}

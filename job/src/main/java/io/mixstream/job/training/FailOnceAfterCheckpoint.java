package io.mixstream.job.training;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

/**
 * Fault injection for the recovery tests and the benchmark: passes step results through and throws
 * once, at the first step past {@code afterStep} that follows a completed checkpoint. One per JVM
 * (the flag is static, as the restarted task is a new instance): call {@link #reset()} first.
 *
 * <p>In main code, not tests, because {@code mixstream bench job} measures recovery with it; the
 * job itself never adds it.
 */
public final class FailOnceAfterCheckpoint extends RichMapFunction<StepResult, StepResult>
    implements CheckpointListener {
  private static final long serialVersionUID = 1L;
  private static final AtomicBoolean FAILED = new AtomicBoolean();
  private static final AtomicLong FAILED_AT_MILLIS = new AtomicLong();

  private final long afterStep;
  private final long pauseMillis;
  private transient boolean checkpointed;

  /**
   * @param pauseMillis sleep per step, so that checkpoints complete between short steps
   */
  public FailOnceAfterCheckpoint(long afterStep, long pauseMillis) {
    this.afterStep = afterStep;
    this.pauseMillis = pauseMillis;
  }

  public static void reset() {
    FAILED.set(false);
    FAILED_AT_MILLIS.set(0);
  }

  public static boolean failed() {
    return FAILED.get();
  }

  /** Wall-clock time of the injected failure, 0 before it. */
  public static long failedAtMillis() {
    return FAILED_AT_MILLIS.get();
  }

  @Override
  public StepResult map(StepResult r) throws Exception {
    if (pauseMillis > 0) {
      Thread.sleep(pauseMillis);
    }
    if (checkpointed && r.step > afterStep && FAILED.compareAndSet(false, true)) {
      FAILED_AT_MILLIS.set(System.currentTimeMillis());
      throw new IllegalStateException("injected failure after step " + r.step);
    }
    return r;
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    checkpointed = true;
  }
}

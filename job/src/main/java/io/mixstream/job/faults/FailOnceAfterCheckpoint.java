package io.mixstream.job.faults;

import io.mixstream.job.training.StepResult;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Fault injection for the recovery tests and the benchmarks: passes records through and throws
 * once, at the first record past a point that follows a completed checkpoint. One per JVM (the flag
 * is static, as the restarted task is a new instance): call {@link #reset()} first.
 *
 * <p>In main code, not tests, because {@code mixstream bench job} measures recovery with it; the
 * jobs themselves never add it.
 */
public final class FailOnceAfterCheckpoint<T> extends RichMapFunction<T, T>
    implements CheckpointListener {
  private static final long serialVersionUID = 1L;
  private static final AtomicBoolean FAILED = new AtomicBoolean();
  private static final AtomicLong FAILED_AT_MILLIS = new AtomicLong();

  /** Where a record is; null: how many records this instance passed since its first checkpoint. */
  private final SerializableFunction<T, Long> progress;

  private final long after;
  private final long pauseMillis;
  private transient boolean checkpointed;
  private transient long sinceCheckpoint;

  private FailOnceAfterCheckpoint(
      SerializableFunction<T, Long> progress, long after, long pauseMillis) {
    this.progress = progress;
    this.after = after;
    this.pauseMillis = pauseMillis;
  }

  /**
   * Fails at the first step past {@code afterStep} after a checkpoint.
   *
   * @param pauseMillis sleep per step, so that checkpoints complete between short steps
   */
  public static FailOnceAfterCheckpoint<StepResult> afterStep(long afterStep, long pauseMillis) {
    return new FailOnceAfterCheckpoint<>(r -> r.step, afterStep, pauseMillis);
  }

  /**
   * Fails at the record after the first {@code records} that follow the first checkpoint.
   *
   * @param pauseMillis sleep per record, so that checkpoints complete between records
   */
  public static <T> FailOnceAfterCheckpoint<T> afterRecords(long records, long pauseMillis) {
    return new FailOnceAfterCheckpoint<>(null, records, pauseMillis);
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
  public T map(T r) throws Exception {
    if (pauseMillis > 0) {
      Thread.sleep(pauseMillis);
    }
    if (!checkpointed) {
      return r;
    }
    long at = progress == null ? ++sinceCheckpoint : progress.apply(r);
    if (at > after && FAILED.compareAndSet(false, true)) {
      FAILED_AT_MILLIS.set(System.currentTimeMillis());
      throw new IllegalStateException("injected failure after " + after + " (at " + at + ")");
    }
    return r;
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    checkpointed = true;
  }
}

package io.mixstream.job.training;

/**
 * A model's training went non-finite (loss or gradient NaN or infinite) for more steps in a row
 * than {@code --skip-nonfinite-steps} allows. The trainer throws it wrapped in Flink's {@link
 * org.apache.flink.runtime.execution.SuppressRestartsException}: a restart would resume from the
 * same checkpoint with the same options and diverge again. The message is one line for the user.
 */
public final class TrainingDiverged extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrainingDiverged(String message) {
    super(message, null, false, false); // the message says it all; no stack trace to print
  }
}

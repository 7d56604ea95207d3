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

  /**
   * The one in {@code failure}'s causes, if any, also as Flink passes it on when it did not
   * deserialise it (a {@link org.apache.flink.util.SerializedThrowable} of this class).
   */
  public static java.util.Optional<TrainingDiverged> in(Throwable failure) {
    for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof TrainingDiverged d) {
        return java.util.Optional.of(d);
      }
      if (t instanceof org.apache.flink.util.SerializedThrowable s
          && TrainingDiverged.class.getName().equals(s.getOriginalErrorClassName())) {
        return java.util.Optional.of(new TrainingDiverged(s.getMessage()));
      }
    }
    return java.util.Optional.empty();
  }
}

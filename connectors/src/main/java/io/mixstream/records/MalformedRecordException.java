package io.mixstream.records;

/**
 * A record's bytes are not a valid image record. {@link #reason()} says which rule they broke, so
 * that a dead-letter record or a counter can group failures; the message says exactly what was
 * wrong.
 */
public final class MalformedRecordException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Which rule the bytes broke. */
  public enum Reason {
    TRUNCATED,
    TRAILING_BYTES,
    BAD_MAGIC,
    UNSUPPORTED_VERSION,
    BAD_ID,
    LABEL_OUT_OF_RANGE,
    BAD_SHAPE,
    SHAPE_MISMATCH,
    OVERSIZE,
    UNSUPPORTED_ENCODING,
    UNDECODABLE_IMAGE
  }

  private final Reason reason;

  public MalformedRecordException(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}

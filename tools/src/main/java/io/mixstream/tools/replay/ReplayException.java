package io.mixstream.tools.replay;

/** A replay could not start or finish; the message says why and what to do. */
public final class ReplayException extends Exception {
  private static final long serialVersionUID = 1L;

  public ReplayException(String message, Throwable cause) {
    super(message, cause);
  }

  public ReplayException(String message) {
    super(message);
  }
}

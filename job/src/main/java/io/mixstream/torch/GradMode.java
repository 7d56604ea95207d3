package io.mixstream.torch;

/**
 * PyTorch's grad mode for the calling thread, for the length of a try-with-resources block, then
 * back to what it was. The mode is per thread and DJL turns gradients off only on the thread that
 * loaded the engine, so every entry point that builds tensors opens one of these.
 */
public final class GradMode implements AutoCloseable {
  private final boolean previous;

  private GradMode(boolean enabled) {
    previous = Autograd.isEnabled();
    Autograd.setEnabled(enabled);
  }

  /** No graph is recorded inside: inference, state import, optimizer updates. */
  public static GradMode off() {
    return new GradMode(false);
  }

  /** Operations on tensors that require gradients are recorded for {@link Autograd#backward}. */
  public static GradMode on() {
    return new GradMode(true);
  }

  @Override
  public void close() {
    Autograd.setEnabled(previous);
  }
}

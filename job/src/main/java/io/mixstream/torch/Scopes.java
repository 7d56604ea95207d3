package io.mixstream.torch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.function.Supplier;

/** Frees temporaries early: DJL arrays otherwise live until their manager or scope closes. */
public final class Scopes {
  private Scopes() {}

  /**
   * Runs {@code body} in its own {@link NDScope}, closes every array it made except its result, and
   * hands the result to the enclosing scope (if any).
   */
  public static NDArray keepOnly(Supplier<NDArray> body) {
    NDArray result;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      result = body.get();
      NDScope.unregister(result);
    }
    NDScope.register(result);
    return result;
  }
}

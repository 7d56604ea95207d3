package io.mixstream.tools.options;

import java.util.ArrayList;
import java.util.List;

/**
 * A command's own options checked before it starts anything, every problem named by the flag as the
 * user typed it, all reported at once.
 */
public final class OptionChecks {
  private final List<String> problems = new ArrayList<>();

  /**
   * @param meaning what the smallest values mean, or null
   */
  public void atLeast(String flag, long value, long min, String meaning) {
    if (value < min) {
      problems.add(
          "%s must be %d or more%s, got %d"
              .formatted(flag, min, meaning == null ? "" : " (" + meaning + ")", value));
    }
  }

  /**
   * @param unit what the number counts
   */
  public void positive(String flag, double value, String unit) {
    if (!(value > 0) || Double.isInfinite(value)) {
      problems.add("%s must be a positive number of %s, got %s".formatted(flag, unit, value));
    }
  }

  public void port(String flag, int port) {
    if (port < 0 || port > 65535) {
      problems.add("%s must be a port, 0 to 65535, got %d".formatted(flag, port));
    }
  }

  /** Records a problem found by the command itself. */
  public void problem(String message) {
    problems.add(message);
  }

  /**
   * @throws IllegalArgumentException listing every problem, when there is one
   */
  public void throwIfAny() {
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }
}

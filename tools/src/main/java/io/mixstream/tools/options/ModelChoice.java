package io.mixstream.tools.options;

import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --method}, {@code --width} and {@code --batch-size} as every command that trains spells
 * them, their help text the training options' own ({@link TrainingOptionHelp}). Each command gives
 * its own defaults through the constructor ({@code @Mixin ModelChoice model = new
 * ModelChoice("moco", 16, "128")}); picocli shows them in {@code --help}.
 */
public final class ModelChoice {
  @Option(names = "--method", descriptionKey = TrainingOptionHelp.PREFIX + "method")
  private String method;

  @Option(names = "--width", descriptionKey = TrainingOptionHelp.PREFIX + "width")
  private int width;

  @Option(
      names = {"--batch-size", "--batch"},
      paramLabel = "N",
      descriptionKey = TrainingOptionHelp.PREFIX + "batch-size")
  private String batch;

  /** For picocli; a command states its defaults with the other constructor. */
  public ModelChoice() {
    this("moco", 16, "64");
  }

  /**
   * @param batch one size, or for commands that say so, several comma-separated
   */
  public ModelChoice(String method, int width, String batch) {
    this.method = method;
    this.width = width;
    this.batch = batch;
  }

  public int width() {
    return width;
  }

  /**
   * The one batch size of a command that trains one model.
   *
   * @throws IllegalArgumentException naming --batch-size when it is not one whole number
   */
  public int batch() {
    List<Integer> sizes = batches();
    if (sizes.size() != 1) {
      throw new IllegalArgumentException("--batch-size takes one size here, got " + batch);
    }
    return sizes.get(0);
  }

  /** Every size of a comma-separated --batch-size (bench step times each). */
  public List<Integer> batches() {
    List<Integer> sizes = new ArrayList<>();
    for (String part : batch.split(",", -1)) {
      try {
        sizes.add(Integer.parseInt(part.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--batch-size must be a whole number of images, got '" + part.trim() + "'", e);
      }
    }
    return sizes;
  }

  /** Checks the width against the command's smallest and the batch's form, with the others. */
  public void check(OptionChecks checks, int smallestWidth, String widthMeaning) {
    checks.atLeast("--width", width, smallestWidth, widthMeaning);
    try {
      for (int size : batches()) {
        checks.atLeast("--batch-size", size, 2, null);
      }
    } catch (IllegalArgumentException e) {
      checks.problem(e.getMessage());
    }
  }

  /**
   * {@code base} with this method (and the defaults that are its own, {@link
   * TrainingConfig.Builder#method}), {@code width} (resolved by the caller where 0 means "the
   * device's choice") and {@code batchSize}.
   */
  public TrainingConfig.Builder applyTo(TrainingConfig.Builder base, int width, int batchSize) {
    base.method(Method.parse(method));
    base.width = width;
    base.batchSize = batchSize;
    return base;
  }

  /** {@code base} with this method, width and one batch size. */
  public TrainingConfig.Builder applyTo(TrainingConfig.Builder base) {
    return applyTo(base, width, batch());
  }
}

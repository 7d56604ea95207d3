package io.mixstream.tools.options;

import io.mixstream.config.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.ListResourceBundle;
import java.util.Locale;
import java.util.Map;

/**
 * The help text of the training options other commands take ({@link ModelChoice}): what each means,
 * from {@link TrainingConfig}'s one declaration, as picocli's resource bundle. An option reads its
 * text by {@code descriptionKey = "training.NAME"}; a key prefixed by a command's qualified name
 * ({@code mixstream.demo.training.width}) says what that command does differently.
 */
public final class TrainingOptionHelp extends ListResourceBundle {
  /** The prefix of every key: an option's name after it, as its flag spells it. */
  public static final String PREFIX = "training.";

  /** What a command does differently, after the option's meaning, by qualified key. */
  private static final Map<String, String> COMMAND_NOTES =
      Map.of("mixstream.demo.training.width", "0 = 64 on a GPU, 16 on a CPU");

  @Override
  protected Object[][] getContents() {
    List<Object[]> rows = new ArrayList<>();
    Map<String, String> meanings = TrainingConfig.optionMeanings();
    meanings.forEach((name, meaning) -> rows.add(row(PREFIX + name, meaning, "")));
    COMMAND_NOTES.forEach(
        (key, note) -> {
          String name = key.substring(key.lastIndexOf(PREFIX) + PREFIX.length());
          rows.add(row(key, meanings.get(name), "; " + note));
        });
    return rows.toArray(Object[][]::new);
  }

  private static Object[] row(String key, String meaning, String note) {
    String sentence = meaning.substring(0, 1).toUpperCase(Locale.ROOT) + meaning.substring(1);
    return new Object[] {key, sentence + note + " (default: ${DEFAULT-VALUE})."};
  }
}

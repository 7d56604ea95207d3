package io.mixstream.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.config.TrainingConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The commands that take training options say what each means in the words of its one declaration
 * ({@link TrainingConfig.Builder}), with their own defaults.
 */
class TrainingOptionHelpTest {
  private static final List<String> MODEL_CHOICE = List.of("method", "width", "batch-size");

  /** Each command that takes training options, by its path, with the options it takes. */
  private static Map<List<String>, List<String>> commands() {
    Map<List<String>, List<String>> m = new LinkedHashMap<>();
    m.put(List.of("demo"), List.of("method", "width", "batch-size", "image-size"));
    m.put(List.of("quality"), List.of("method", "width", "batch-size", "epochs", "seed"));
    m.put(List.of("bench", "step"), MODEL_CHOICE);
    m.put(List.of("bench", "job"), MODEL_CHOICE);
    m.put(List.of("bench", "models"), MODEL_CHOICE);
    m.put(List.of("chaos"), List.of("buffer-size", "buffer-policy", "updates-per-batch"));
    return m;
  }

  @Test
  void eachReadsTheTrainingOptionsMeaningWithItsOwnDefault() {
    Map<String, String> meanings = TrainingConfig.optionMeanings();
    CommandLine cli = Mixstream.commandLine();
    commands()
        .forEach(
            (path, options) -> {
              CommandLine c = cli;
              for (String name : path) {
                c = c.getSubcommands().get(name);
              }
              String help = oneLine(c.getUsageMessage());
              for (String option : options) {
                String meaning = oneLine(meanings.get(option)).substring(1); // first letter capital
                assertThat(help).as(path + " --" + option).contains(meaning);
                CommandLine.Model.OptionSpec o = c.getCommandSpec().findOption("--" + option);
                Object def = o.defaultValue() != null ? o.defaultValue() : o.initialValue();
                assertThat(help).as(path + " --" + option).contains("(default: " + def + ").");
              }
            });
    String demo = oneLine(cli.getSubcommands().get("demo").getUsageMessage());
    assertThat(demo).contains("0 = 64 on a GPU, 16 on a CPU (default: 0).");
  }

  private static String oneLine(String text) {
    return text.replaceAll("\\s+", " ");
  }
}

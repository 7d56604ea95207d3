package io.mixstream.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * One spelling per idea across commands, the job's: {@code --batch-size}, {@code --knn-bank-size},
 * {@code --knn-test-size}, {@code --bootstrap-servers}. The earlier spellings still work, and
 * {@code --help} shows both (picocli lists the shorter first).
 */
class FlagSpellingsTest {
  /** Each command that took an earlier spelling, the option's old and new names, and a value. */
  private record Spelling(List<String> command, String now, String before, String value) {}

  private static final List<Spelling> SPELLINGS =
      List.of(
          new Spelling(
              List.of("replay", "--data", "x"), "--bootstrap-servers", "--bootstrap", "h:1"),
          new Spelling(List.of("embeddings"), "--bootstrap-servers", "--bootstrap", "h:1"),
          new Spelling(List.of("models"), "--bootstrap-servers", "--bootstrap", "h:1"),
          new Spelling(List.of("plot"), "--bootstrap-servers", "--bootstrap", "h:1"),
          new Spelling(
              List.of("bench", "replay", "--data", "x"),
              "--bootstrap-servers",
              "--bootstrap",
              "h:1"),
          new Spelling(List.of("demo"), "--batch-size", "--batch", "64"),
          new Spelling(List.of("demo"), "--knn-bank-size", "--knn-bank", "500"),
          new Spelling(List.of("demo"), "--knn-test-size", "--knn-test", "100"),
          new Spelling(List.of("quality"), "--knn-bank-size", "--knn-bank", "500"),
          new Spelling(List.of("quality"), "--knn-test-size", "--knn-test", "100"),
          new Spelling(List.of("bench", "step"), "--batch-size", "--batch", "64"),
          new Spelling(List.of("bench", "embed", "--data", "x"), "--batch-size", "--batch", "64"),
          new Spelling(List.of("bench", "stream", "--data", "x"), "--batch-size", "--batch", "64"));

  /** The value the innermost command's option named {@code name} was given. */
  private static String parsed(List<String> command, String flag, String value, String name) {
    List<String> args = new java.util.ArrayList<>(command);
    args.addAll(List.of(flag, value));
    ParseResult r = Mixstream.commandLine().parseArgs(args.toArray(String[]::new));
    while (r.hasSubcommand()) {
      r = r.subcommand();
    }
    assertThat(r.hasMatchedOption(name)).as(String.join(" ", args)).isTrue();
    return String.valueOf(r.matchedOptionValue(name, (Object) null));
  }

  @Test
  void theJobsSpellingAndTheEarlierOneSetTheSameOption() {
    for (Spelling s : SPELLINGS) {
      String now = parsed(s.command(), s.now(), s.value(), s.now());
      String before = parsed(s.command(), s.before(), s.value(), s.now());
      assertThat(before).as(s.command() + " " + s.before()).isEqualTo(now);
      assertThat(now).as(s.command() + " " + s.now()).contains(s.value());
    }
  }

  @Test
  void helpShowsBothSpellings() {
    for (Spelling s : SPELLINGS) {
      CommandLine c = Mixstream.commandLine();
      for (String name : s.command()) {
        if (!name.startsWith("--") && c.getSubcommands().containsKey(name)) {
          c = c.getSubcommands().get(name);
        }
      }
      String help = c.getUsageMessage();
      // picocli lists an option's names shortest first
      assertThat(help).as(s.command().toString()).contains(s.before() + ", " + s.now());
    }
  }
}

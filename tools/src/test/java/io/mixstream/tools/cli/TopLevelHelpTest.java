package io.mixstream.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `mixstream --help` lists each command on one line; the detail is in each command's help. */
class TopLevelHelpTest {
  @Test
  void everyCommandFitsOneLineOfAtMostOneHundredColumns() {
    CommandLine cli = Mixstream.commandLine();
    String help = cli.getUsageMessage();
    List<String> listing = help.lines().dropWhile(l -> !l.equals("Commands:")).skip(1).toList();
    assertThat(listing).hasSize(cli.getSubcommands().size());
    for (String line : listing) {
      assertThat(line).as("one line per command, ending its sentence").matches("  \\S+ +\\S.*\\.");
      assertThat(line.length()).as(line).isLessThanOrEqualTo(100);
    }
  }
}

package io.mixstream.tools.cli;

import picocli.CommandLine.Command;

/** `mixstream bench`: benchmarks, each a subcommand. Results belong in BENCHMARKS.md. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks (commands, not tests); record results in BENCHMARKS.md.",
    subcommands = {
      BenchReplayCommand.class,
      BenchStepCommand.class,
      BenchJobCommand.class,
      BenchViewsCommand.class,
      BenchStreamCommand.class,
      BenchEmbedCommand.class,
      BenchModelsCommand.class
    })
final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}

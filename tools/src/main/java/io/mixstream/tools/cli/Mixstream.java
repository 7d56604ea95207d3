package io.mixstream.tools.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `mixstream` command: one entry point, a subcommand per task. */
@Command(
    name = "mixstream",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Online self-supervised training (MoCo + image mixtures) on a Kafka stream.",
    subcommands = {
      KafkaCommand.class,
      ReplayCommand.class,
      BenchCommand.class,
      io.mixstream.tools.demo.DemoCommand.class,
      TrainCommand.class,
      EmbeddingsCommand.class,
      io.mixstream.tools.pictures.AttentionCommand.class,
      io.mixstream.tools.pictures.PlotCommand.class,
      io.mixstream.tools.quality.QualityCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Mixstream implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Runs the command line and returns its exit code (0 ok, 1 failure, 2 bad usage). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Mixstream());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          commandLine.getErr().println(commandLine.getCommandName() + ": " + messageOf(e));
          if (System.getenv("MIXSTREAM_DEBUG") != null) {
            e.printStackTrace(commandLine.getErr());
          } else {
            commandLine.getErr().println("(set MIXSTREAM_DEBUG=1 for the stack trace)");
          }
          return 1;
        });
    return cli.execute(args);
  }

  private static String messageOf(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.toString() : m;
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }
}

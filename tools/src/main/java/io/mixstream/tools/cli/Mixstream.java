package io.mixstream.tools.cli;

import io.mixstream.tools.options.TrainingOptionHelp;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
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
      EmbedCommand.class,
      FuzzCommand.class,
      ChaosCommand.class,
      SoakCommand.class,
      EmbeddingsCommand.class,
      io.mixstream.tools.pictures.AttentionCommand.class,
      io.mixstream.tools.pictures.PlotCommand.class,
      io.mixstream.tools.metrics.ModelsCommand.class,
      io.mixstream.tools.quality.QualityCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Mixstream implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Every command, with the help its options read from the training options' declarations. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Mixstream());
    cli.setResourceBundle(new TrainingOptionHelp());
    // the commands' descriptions are written as lines of up to 92 characters: at picocli's default
    // 80 columns each broke in two, leaving a short line after every long one
    cli.setUsageHelpWidth(100);
    return cli;
  }

  /** Runs the command line and returns its exit code (0 ok, 1 failure, 2 bad usage). */
  public static int run(String... args) {
    io.mixstream.tools.logging.ExpectedEnds.install();
    CommandLine cli = commandLine();
    // a mistyped option: one line and where to look, not the whole help page
    cli.setParameterExceptionHandler(
        (e, args2) -> {
          CommandLine c = e.getCommandLine();
          String guess = "";
          if (e instanceof CommandLine.UnmatchedArgumentException u
              && !u.getSuggestions().isEmpty()) {
            guess = "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
          }
          c.getErr()
              .printf(
                  "%s: %s (see `%s --help`)%s%n",
                  c.getCommandName(), e.getMessage(), c.getCommandSpec().qualifiedName(), guess);
          return 2;
        });
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

  /**
   * What went wrong in words: file errors carry only the path as their message, and a few library
   * errors only a number.
   */
  static String messageOf(Throwable e) {
    if (e instanceof FileSystemException f) {
      String what;
      if (f instanceof NoSuchFileException) {
        what = "no such file or folder";
      } else if (f instanceof AccessDeniedException) {
        what = "permission denied";
      } else if (f instanceof FileAlreadyExistsException) {
        what = "already exists";
      } else if (f instanceof NotDirectoryException) {
        what = "not a folder";
      } else if (f instanceof DirectoryNotEmptyException) {
        what = "folder not empty";
      } else {
        what = f.getReason() == null ? "cannot use it" : f.getReason();
      }
      return "%s: %s%s"
          .formatted(
              f.getFile(), what, f.getOtherFile() == null ? "" : " (and " + f.getOtherFile() + ")");
    }
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      return e.toString();
    }
    // "-5" alone says nothing: name the kind of error at least
    return m.matches("[-+]?[0-9.]+") ? e.getClass().getSimpleName() + ": " + m : m;
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }
}

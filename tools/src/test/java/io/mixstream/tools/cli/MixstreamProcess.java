package io.mixstream.tools.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * `mixstream ...` as its own JVM, as a user runs it, with its output collected as it comes: for
 * tests of what signals and second processes do.
 */
final class MixstreamProcess implements AutoCloseable {
  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;

  private MixstreamProcess(Process process) {
    this.process = process;
    this.reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  synchronized (lines) {
                    lines.add(line);
                  }
                }
              } catch (IOException e) {
                // the process is gone; what it said is in lines
              }
            },
            "mixstream-process-output");
    reader.setDaemon(true);
    reader.start();
  }

  static MixstreamProcess start(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.add("-Dai.djl.offline=true");
    // the product's logging, not the tests': what a user sees
    cmd.add(
        "-Dlog4j2.configurationFile="
            + MixstreamProcess.class.getResource("/log4j2.properties").toExternalForm());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Mixstream.class.getName());
    cmd.addAll(List.of(args));
    return new MixstreamProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
  }

  /** Everything it printed so far (standard output and error). */
  String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  /**
   * Waits until its output contains {@code text}.
   *
   * @throws AssertionError with the output when it did not within {@code timeout}
   */
  void awaitOutput(String text, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!output().contains(text)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no '" + text + "' within " + timeout + " in:\n" + output());
      }
      Thread.sleep(50);
    }
  }

  /** SIGTERM, as Ctrl-C; unlike Process.destroy() it leaves the output pipe open to read. */
  void terminate() {
    process.toHandle().destroy();
  }

  /**
   * Waits for the exit and the last of its output.
   *
   * @return the exit code, or -1 if it was still running after {@code timeout}
   */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      return -1;
    }
    reader.join(10_000);
    return process.exitValue();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}

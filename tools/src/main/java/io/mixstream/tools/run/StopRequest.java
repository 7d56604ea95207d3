package io.mixstream.tools.run;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C (SIGINT or SIGTERM) as a request to stop: the JVM's shutdown waits, up to a grace period,
 * until the command has stopped its job with a savepoint and said so, instead of ending mid-step.
 * Closing it tells the waiting shutdown that the command is done.
 */
public final class StopRequest implements AutoCloseable {
  private final AtomicBoolean requested = new AtomicBoolean();
  private final CountDownLatch done = new CountDownLatch(1);
  private final Thread hook;

  /**
   * @param grace how long Ctrl-C waits for the command to finish its stop
   */
  public StopRequest(Duration grace) {
    hook =
        new Thread(
            () -> {
              requested.set(true);
              try {
                if (!done.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                  System.err.printf(
                      "the stop took over %ds; exiting without waiting for it%n",
                      grace.toSeconds());
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "mixstream-stop-request");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Asks for a stop from inside the command (a part of it failed). */
  public void request() {
    requested.set(true);
  }

  public boolean requested() {
    return requested.get();
  }

  /** The command is done: a waiting Ctrl-C may end the JVM now. */
  @Override
  public void close() {
    done.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // Ctrl-C: the hook is running, and returns now that the latch is open
    }
  }
}

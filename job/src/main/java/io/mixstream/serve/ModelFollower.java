package io.mixstream.serve;

import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.snapshot.SnapshotDirectory;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Watches a model's snapshot folder and reads each newer snapshot on a thread of its own, so that
 * the embedder swaps to it between two batches without waiting for the file (a width-64 snapshot is
 * 45 MB). Only reading and parsing happen here: the tensors are built on the embedder's thread,
 * which keeps libtorch's work on one thread ({@link io.mixstream.torch.TorchThreads} says why).
 */
public final class ModelFollower implements AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ModelFollower.class);

  private final SnapshotDirectory dir;
  private final ScheduledExecutorService poller;
  private final ScheduledFuture<?> polling;
  private volatile EncoderSnapshot newest;
  private long failedStep = -1;
  private long nonFiniteStep = -1; // refused for good: reading it again gives the same NaN

  /**
   * @param every how often the folder is listed
   */
  public ModelFollower(SnapshotDirectory dir, Duration every) {
    this.dir = dir;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "snapshot follower " + dir);
              t.setDaemon(true);
              return t;
            });
    polling = poller.scheduleWithFixedDelay(this::poll, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void poll() {
    OptionalLong latest;
    try {
      latest = dir.latestStep();
    } catch (IOException e) {
      warnOnce(-2, "cannot list " + dir + ": " + e);
      return;
    }
    EncoderSnapshot known = newest;
    if (latest.isEmpty() || (known != null && latest.getAsLong() <= known.step())) {
      return;
    }
    long step = latest.getAsLong();
    if (step == nonFiniteStep) {
      return;
    }
    try {
      EncoderSnapshot read = dir.read(step);
      Optional<String> nonFinite = read.firstNonFinite();
      if (nonFinite.isPresent()) { // the model in use stays: every embedding would be NaN
        nonFiniteStep = step;
        warnOnce(
            step,
            "not using %s: its %s holds values that are not finite (the training diverged);"
                    .formatted(dir.file(step), nonFinite.get())
                + (known == null
                    ? " waiting for a finite snapshot"
                    : " still serving the model of step " + known.step()));
        return;
      }
      newest = read;
      LOG.info("read the snapshot of step {} from {}", step, dir.file(step));
    } catch (IOException | RuntimeException e) { // a bad file must not stop the polling
      warnOnce(step, "cannot use " + dir.file(step) + " (tried again at each poll): " + e);
    }
  }

  private void warnOnce(long step, String message) {
    if (step != failedStep) {
      failedStep = step;
      LOG.warn(message);
    }
  }

  /** The newest snapshot read so far, when its step is above {@code step}. */
  public Optional<EncoderSnapshot> newerThan(long step) {
    EncoderSnapshot s = newest;
    return s != null && s.step() > step ? Optional.of(s) : Optional.empty();
  }

  @Override
  public void close() {
    polling.cancel(true);
    poller.shutdownNow();
  }
}

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
  private volatile Followed newest;
  private volatile long lineageSwitches;
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
      // the file written last, not the highest step: a new run in the folder writes below the
      // steps an older run left there (a second trainer with its own checkpoints, or a folder
      // that train --fresh did not empty)
      latest = dir.lastWrittenStep();
    } catch (IOException e) {
      warnOnce(-2, "cannot list " + dir + ": " + e);
      return;
    }
    Followed followed = newest;
    EncoderSnapshot known = followed == null ? null : followed.snapshot();
    if (latest.isEmpty()) {
      return;
    }
    long step = latest.getAsLong();
    Optional<String> lineage = dir.lineage(step);
    // a new training run in the same folder (train --fresh) starts again at step 0: follow it
    boolean newRun =
        known != null
            && lineage.isPresent()
            && followed.lineage() != null
            && !lineage.get().equals(followed.lineage());
    if ((known != null && step <= known.step() && !newRun) || step == nonFiniteStep) {
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
      newest = new Followed(read, lineage.orElse(null));
      if (newRun) {
        lineageSwitches++;
        LOG.info(
            "a new training run writes to {} (lineage {}): following it from its step {}, after"
                + " step {} of the run before (lineage {})",
            dir,
            lineage.get(),
            step,
            known.step(),
            followed.lineage());
      } else {
        LOG.info("read the snapshot of step {} from {}", step, dir.file(step));
      }
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

  /** A snapshot and the training run it belongs to (null when its sidecar names none). */
  public record Followed(EncoderSnapshot snapshot, String lineage) {}

  /**
   * The newest snapshot read so far, when it is newer than the model of {@code step} in run {@code
   * lineage}: a higher step, or a snapshot of another run (which starts again from step 0).
   */
  public Optional<Followed> newerThan(long step, String lineage) {
    Followed f = newest;
    if (f == null) {
      return Optional.empty();
    }
    boolean otherRun = lineage != null && f.lineage() != null && !lineage.equals(f.lineage());
    return f.snapshot().step() > step || otherRun ? Optional.of(f) : Optional.empty();
  }

  /** How many times a new training run was followed (for the service's gauge). */
  public long lineageSwitches() {
    return lineageSwitches;
  }

  @Override
  public void close() {
    polling.cancel(true);
    poller.shutdownNow();
  }
}

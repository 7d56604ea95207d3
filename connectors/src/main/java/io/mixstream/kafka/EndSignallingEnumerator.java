package io.mixstream.kafka;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;

/**
 * A restored bounded enumerator that tells each reader once, after its own start-up discovery, that
 * no more splits come ({@link BoundedKafkaSource} says why). The discovery runs as an asynchronous
 * call queued in {@code start()}; a call queued right after it runs after it on the coordinator's
 * worker, and its result is handled after the discovery's on the coordinator thread, so by then
 * every split the discovery found has been assigned. Each reader gets the signal once per
 * registration whoever sends it first (the wrapped enumerator, where it works, or this), because a
 * second one to a reader that has finished would fail the job.
 */
final class EndSignallingEnumerator<S extends SourceSplit, C> implements SplitEnumerator<S, C> {
  /** Makes the wrapped enumerator on the context it is given. */
  interface Restore<S extends SourceSplit, C> {
    SplitEnumerator<S, C> on(SplitEnumeratorContext<S> context) throws Exception;
  }

  private final SplitEnumeratorContext<S> context;
  private final SplitEnumerator<S, C> wrapped;
  private final Set<Integer> signalled = new HashSet<>(); // the coordinator thread's alone
  private boolean discovered;

  EndSignallingEnumerator(SplitEnumeratorContext<S> context, Restore<S, C> restore)
      throws Exception {
    this.context = context;
    this.wrapped = restore.on(new Signals(context));
  }

  @Override
  public void start() {
    wrapped.start();
    context.callAsync(
        () -> null,
        (nothing, error) -> {
          discovered = true;
          context.registeredReaders().keySet().forEach(this::signal);
        });
  }

  @Override
  public void addReader(int subtask) {
    signalled.remove(subtask); // a new attempt of the reader: it needs the signal again
    wrapped.addReader(subtask);
    if (discovered) {
      signal(subtask);
    }
  }

  private void signal(int subtask) {
    if (signalled.add(subtask)) {
      context.signalNoMoreSplits(subtask);
    }
  }

  @Override
  public void handleSplitRequest(int subtask, String host) {
    wrapped.handleSplitRequest(subtask, host);
  }

  @Override
  public void addSplitsBack(List<S> splits, int subtask) {
    wrapped.addSplitsBack(splits, subtask);
  }

  @Override
  public C snapshotState(long checkpointId) throws Exception {
    return wrapped.snapshotState(checkpointId);
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    wrapped.notifyCheckpointComplete(checkpointId);
  }

  @Override
  public void handleSourceEvent(int subtask, SourceEvent event) {
    wrapped.handleSourceEvent(subtask, event);
  }

  @Override
  public void close() throws IOException {
    try {
      wrapped.close();
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  /** The coordinator's context, with the wrapped enumerator's end signals counted. */
  private final class Signals implements SplitEnumeratorContext<S> {
    private final SplitEnumeratorContext<S> real;

    Signals(SplitEnumeratorContext<S> real) {
      this.real = real;
    }

    @Override
    public void signalNoMoreSplits(int subtask) {
      signal(subtask);
    }

    @Override
    public SplitEnumeratorMetricGroup metricGroup() {
      return real.metricGroup();
    }

    @Override
    public void sendEventToSourceReader(int subtask, SourceEvent event) {
      real.sendEventToSourceReader(subtask, event);
    }

    @Override
    public void sendEventToSourceReader(int subtask, int attempt, SourceEvent event) {
      real.sendEventToSourceReader(subtask, attempt, event);
    }

    @Override
    public int currentParallelism() {
      return real.currentParallelism();
    }

    @Override
    public Map<Integer, ReaderInfo> registeredReaders() {
      return real.registeredReaders();
    }

    @Override
    public Map<Integer, Map<Integer, ReaderInfo>> registeredReadersOfAttempts() {
      return real.registeredReadersOfAttempts();
    }

    @Override
    public void assignSplits(SplitsAssignment<S> assignment) {
      real.assignSplits(assignment);
    }

    @Override
    public void assignSplit(S split, int subtask) {
      real.assignSplit(split, subtask);
    }

    @Override
    public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {
      real.callAsync(callable, handler);
    }

    @Override
    public <T> void callAsync(
        Callable<T> callable, BiConsumer<T, Throwable> handler, long initialDelay, long period) {
      real.callAsync(callable, handler, initialDelay, period);
    }

    @Override
    public void runInCoordinatorThread(Runnable runnable) {
      real.runInCoordinatorThread(runnable);
    }

    @Override
    public void setIsProcessingBacklog(boolean isProcessingBacklog) {
      real.setIsProcessingBacklog(isProcessingBacklog);
    }
  }
}

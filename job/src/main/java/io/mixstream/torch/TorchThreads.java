package io.mixstream.torch;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How many OpenMP threads libtorch's CPU ops use when called from the current thread, and running
 * torch work on a thread of its own.
 *
 * <p>Why it matters: libgomp keeps a team of worker threads for every thread that has run a
 * parallel op, for as long as that thread lives, and while all teams together hold more threads
 * than the machine has cores it switches every team from spinning to sleeping between parallel
 * regions (its "throttled" spin count). Measured on 2 cores: one idle 2-thread team left in the
 * process made the trainer's threads sleep and wake about 4,500 times a second and its step 30%
 * slower. The opposite mistake is worse: a team that spins while another busy thread shares its
 * cores waits out whole time slices at every barrier (a one-thread evaluator running beside the
 * trainer slowed training by a fifth overall). So the trainer keeps its thread and its team, and
 * occasional torch work beside it (the kNN evaluation) runs on a thread that ends when the work
 * does, taking its team with it: throttled sharing while both run, full-speed spinning after.
 *
 * <p>libtorch keeps the number per thread (OpenMP's setting) but also remembers the last one set as
 * the default for threads that have not run an op yet; reading it back straight away fixes the
 * calling thread's own value, so a later call on another thread cannot change it.
 */
public final class TorchThreads {
  private TorchThreads() {}

  /**
   * Sets the calling thread's libtorch intra-op threads.
   *
   * @param requested threads; 0 = one per core the JVM sees
   * @return the number now in force on this thread
   */
  public static int useOnThisThread(int requested) {
    if (requested < 0) {
      throw new IllegalArgumentException(
          "threads must be 0 (one per core) or more, got " + requested);
    }
    int threads = requested == 0 ? Runtime.getRuntime().availableProcessors() : requested;
    Engine.getInstance(); // loads the natives; JniUtils cannot be called before
    JniUtils.setNumThreads(threads);
    return JniUtils.getNumThreads();
  }

  /**
   * Runs {@code work} on a new thread with {@code threads} libtorch threads and waits for it; the
   * thread, and with it its OpenMP team, ends with the work.
   *
   * @param name the thread's name
   * @throws Exception whatever {@code work} threw
   */
  public static <T> T callOnOwnThread(int threads, String name, Callable<T> work) throws Exception {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                useOnThisThread(threads);
                result.set(work.call());
              } catch (Throwable e) { // an Error too: the caller must not see a silent null
                failure.set(e);
              }
            },
            name);
    t.setDaemon(true);
    t.start();
    try {
      t.join();
    } catch (InterruptedException e) {
      t.interrupt();
      throw e;
    }
    Throwable f = failure.get();
    if (f instanceof Exception e) {
      throw e;
    } else if (f instanceof Error e) {
      throw e;
    }
    return result.get();
  }

  /**
   * A thread of its own for torch work that comes in several calls (an evaluation fed chunk by
   * chunk from state that only the caller's thread may read): the thread, and its OpenMP team, ends
   * at {@link #close()}. A caller interrupted while it waits (a cancelled task) ends the thread
   * too: the call running then finishes, and no further one starts.
   */
  public static final class OwnThread implements AutoCloseable {
    private final java.util.concurrent.ExecutorService executor;

    public OwnThread(int threads, String name) {
      executor =
          java.util.concurrent.Executors.newSingleThreadExecutor(
              r -> {
                Thread t =
                    new Thread(
                        () -> {
                          useOnThisThread(threads);
                          r.run();
                        },
                        name);
                t.setDaemon(true);
                return t;
              });
    }

    /**
     * Runs {@code work} on the thread and waits for it.
     *
     * @throws Exception whatever {@code work} threw
     */
    public <T> T call(Callable<T> work) throws Exception {
      java.util.concurrent.Future<T> f = executor.submit(work);
      try {
        return f.get();
      } catch (InterruptedException e) {
        executor.shutdownNow();
        throw e;
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof Exception cause) {
          throw cause;
        }
        throw (Error) e.getCause();
      }
    }

    /** Whether the thread takes more work: false once closed or interrupted. */
    public boolean isOpen() {
      return !executor.isShutdown();
    }

    @Override
    public void close() {
      executor.shutdownNow();
    }
  }

  /** The calling thread's libtorch intra-op threads. */
  public static int onThisThread() {
    Engine.getInstance();
    return JniUtils.getNumThreads();
  }
}

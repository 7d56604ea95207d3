package io.mixstream.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** libtorch's thread count is per thread once pinned, which the trainer and evaluator rely on. */
class TorchThreadsTest {
  @Test
  void aThreadKeepsItsCountWhenAnotherThreadSetsOne() throws Exception {
    ExecutorService trainer = Executors.newSingleThreadExecutor();
    ExecutorService evaluator = Executors.newSingleThreadExecutor();
    try {
      assertThat(on(trainer, () -> TorchThreads.useOnThisThread(3))).isEqualTo(3);
      assertThat(on(evaluator, () -> TorchThreads.useOnThisThread(1))).isEqualTo(1);
      assertThat(on(trainer, TorchThreads::onThisThread)).isEqualTo(3);
      assertThat(on(evaluator, TorchThreads::onThisThread)).isEqualTo(1);
      // the pitfall that pinning avoids: a thread that never set a count takes the last one set
      assertThat(onFreshThread(TorchThreads::onThisThread)).isEqualTo(1);
      int cores = Runtime.getRuntime().availableProcessors();
      assertThat(onFreshThread(() -> TorchThreads.useOnThisThread(0))).isEqualTo(cores);
    } finally {
      trainer.shutdownNow();
      evaluator.shutdownNow();
    }
  }

  @Test
  void workOnItsOwnThreadGetsItsCountAndTheThreadEndsWithIt() throws Exception {
    Thread[] worker = new Thread[1];
    int inside =
        TorchThreads.callOnOwnThread(
            1,
            "test work",
            () -> {
              worker[0] = Thread.currentThread();
              return TorchThreads.onThisThread();
            });
    assertThat(inside).isEqualTo(1);
    assertThat(worker[0]).isNotSameAs(Thread.currentThread());
    assertThat(worker[0].getName()).isEqualTo("test work");
    assertThat(worker[0].isAlive()).isFalse();
    assertThatThrownBy(
            () ->
                TorchThreads.callOnOwnThread(
                    1,
                    "failing work",
                    () -> {
                      throw new java.io.IOException("disk gone");
                    }))
        .isInstanceOf(java.io.IOException.class)
        .hasMessage("disk gone");
    assertThatThrownBy(
            () ->
                TorchThreads.callOnOwnThread(
                    1,
                    "erring work",
                    () -> {
                      throw new AssertionError("broken");
                    }))
        .isInstanceOf(AssertionError.class)
        .hasMessage("broken");
  }

  @Test
  void aNegativeCountIsRefused() {
    assertThatThrownBy(() -> TorchThreads.useOnThisThread(-1))
        .hasMessageContaining("0 (one per core) or more");
  }

  private static <T> T on(ExecutorService thread, Callable<T> task) throws Exception {
    return thread.submit(task).get();
  }

  private static <T> T onFreshThread(Callable<T> task) throws Exception {
    ExecutorService t = Executors.newSingleThreadExecutor();
    try {
      return on(t, task);
    } finally {
      t.shutdownNow();
    }
  }

  @Test
  void aCancelledCallerEndsItsOwnThreadAfterTheCallRunningThenAndStartsNoOther() throws Exception {
    java.util.concurrent.atomic.AtomicInteger started =
        new java.util.concurrent.atomic.AtomicInteger();
    Thread[] worker = new Thread[1];
    java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicReference<Throwable> callerSaw =
        new java.util.concurrent.atomic.AtomicReference<>();
    TorchThreads.OwnThread own = new TorchThreads.OwnThread(1, "test chunks");
    Thread caller =
        new Thread(
            () -> {
              try {
                for (int chunk = 0; chunk < 5; chunk++) {
                  own.call(
                      () -> {
                        started.incrementAndGet();
                        worker[0] = Thread.currentThread();
                        inside.countDown();
                        long until = System.nanoTime() + 300_000_000L; // native work: ignores
                        while (System.nanoTime() < until) { // interrupts, as a forward does
                          Thread.onSpinWait();
                        }
                        return null;
                      });
                }
              } catch (Throwable e) {
                callerSaw.set(e);
              }
            });
    caller.start();
    inside.await();
    caller.interrupt(); // Flink cancels the task
    caller.join(5_000);
    assertThat(callerSaw.get()).isInstanceOf(InterruptedException.class);
    worker[0].join(5_000);
    assertThat(worker[0].isAlive()).as("the torch thread ended with the task").isFalse();
    assertThat(started.get()).as("no chunk after the one running").isEqualTo(1);
    assertThat(own.isOpen()).isFalse();
  }
}

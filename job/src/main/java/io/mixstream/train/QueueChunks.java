package io.mixstream.train;

import io.mixstream.config.TrainingConfig;
import io.mixstream.queue.QueueName;
import io.mixstream.queue.QueueWrite;
import java.util.List;

/**
 * The negative queues kept outside the trainer as one chunk per write: each step's columns under
 * {@code QUEUE@start}, so a checkpoint carries only what changed (a batch per queue), not K columns
 * per queue. Starts are multiples of the batch size (K is a multiple of it), so the chunks of a
 * queue tile it without overlap and a restore reads back at most K / B of them.
 */
public final class QueueChunks {
  /** Where the chunks live: keyed map state in the job, a map in tests. */
  public interface Store {
    float[] get(String key) throws Exception;

    void put(String key, float[] columns) throws Exception;
  }

  private final Store store;
  private final TrainingConfig config;

  public QueueChunks(Store store, TrainingConfig config) {
    this.store = store;
    this.config = config;
  }

  /** Stores the columns the step's writes put into the trainer's queues. */
  public void persist(MocoTrainer trainer, List<QueueWrite> writes) throws Exception {
    for (QueueWrite w : writes) {
      store.put(key(w.queue(), w.start()), trainer.queueColumns(w.queue(), w.start(), w.count()));
    }
  }

  /**
   * Puts every stored chunk back into the trainer's queues (after a restore: the state it imported
   * carries the pointers, not the contents).
   *
   * @return how many chunks it restored
   */
  public int restoreInto(MocoTrainer trainer) throws Exception {
    int restored = 0;
    for (QueueName q : config.method().queues()) {
      for (int start = 0; start < config.moco().queueSize(); start += config.batchSize()) {
        float[] chunk = store.get(key(q, start));
        if (chunk != null) {
          trainer.restoreQueueColumns(q, start, chunk);
          restored++;
        }
      }
    }
    return restored;
  }

  static String key(QueueName queue, int start) {
    return queue.name() + "@" + start;
  }
}

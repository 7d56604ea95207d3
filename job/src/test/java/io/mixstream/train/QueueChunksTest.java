package io.mixstream.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.queue.QueueName;
import io.mixstream.queue.QueueWrite;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class QueueChunksTest {
  /** A map as the store: what keyed map state holds in the job. */
  private static final class MapStore implements QueueChunks.Store {
    final Map<String, float[]> map = new HashMap<>();

    @Override
    public float[] get(String key) {
      return map.get(key);
    }

    @Override
    public void put(String key, float[] columns) {
      map.put(key, columns.clone());
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Method.class,
      names = {"MOCO", "APPROACH1"})
  void aTrainerRestoredFromItsStateWithoutQueuesGetsEveryQueueBackFromTheChunks(Method method)
      throws Exception {
    TrainingConfig c = TrainerFixtures.tiny(method); // batch 16, K 64: four chunks per queue
    int chunksPerQueue = c.moco().queueSize() / c.batchSize();
    MapStore store = new MapStore();
    QueueChunks chunks = new QueueChunks(store, c);
    try (MocoTrainer a = TrainerFixtures.trainer(c)) {
      for (int s = 0; s < chunksPerQueue + 2; s++) { // wraps: the first two chunks are rewritten
        StepReport r = a.step(TrainerFixtures.cifar(16 * s, 16));
        assertThat(r.enqueued())
            .as("step %d writes one batch into every queue of %s", s + 1, method)
            .extracting(QueueWrite::queue)
            .containsExactlyInAnyOrderElementsOf(method.queues());
        for (QueueWrite w : r.enqueued()) {
          assertThat(w.start()).isEqualTo((s * 16) % c.moco().queueSize());
          assertThat(w.count()).isEqualTo(16);
        }
        chunks.persist(a, r.enqueued());
      }
      assertThat(store.map).hasSize(method.queues().size() * chunksPerQueue);

      byte[] state = a.exportStateWithoutQueueContents();
      assertThat(state.length).isLessThan(a.exportState().length);
      try (MocoTrainer restored = TrainerFixtures.trainer(c)) {
        restored.importState(state);
        QueueName first = method.queues().iterator().next();
        assertThat(restored.stateByName().get("queue." + first.name()))
            .as("before the chunks come back the queue is the fresh trainer's")
            .isNotEqualTo(a.stateByName().get("queue." + first.name()));
        assertThat(chunks.restoreInto(restored)).isEqualTo(method.queues().size() * chunksPerQueue);
        Map<String, float[]> want = a.stateByName();
        Map<String, float[]> got = restored.stateByName();
        assertThat(got.keySet()).isEqualTo(want.keySet());
        want.forEach((name, values) -> assertThat(got.get(name)).as(name).isEqualTo(values));
        for (QueueName q : method.queues()) {
          assertThat(restored.queuePointer(q)).isEqualTo(a.queuePointer(q));
        }
        // and the two go on as one
        a.step(TrainerFixtures.cifar(200, 16));
        restored.step(TrainerFixtures.cifar(200, 16));
        assertThat(restored.stateByName().get("queue." + first.name()))
            .isEqualTo(a.stateByName().get("queue." + first.name()));
      }
    }
  }
}

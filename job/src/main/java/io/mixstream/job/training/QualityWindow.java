package io.mixstream.job.training;

import io.mixstream.job.ingest.TrainingImage;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The last W images to arrive, in keyed state (RocksDB in the job), for the label-free measures: a
 * ring of W slots, image number n in slot n mod W, so each arrival is one state write and the
 * window survives a restart as the Kafka offsets of the same checkpoint left it.
 */
final class QualityWindow {
  private final int capacity;
  private final MapState<Integer, TrainingImage> slots;
  private final ValueState<Long> arrived;

  /** Registers the state in {@code context} (call from {@code open}). */
  QualityWindow(RuntimeContext context, int capacity) {
    this.capacity = capacity;
    this.slots =
        context.getMapState(
            new MapStateDescriptor<>(
                "quality-window", Types.INT, TypeInformation.of(TrainingImage.class)));
    this.arrived = context.getState(new ValueStateDescriptor<>("quality-arrived", Types.LONG));
  }

  /** Adds an image for the current key, replacing the oldest once the window is full. */
  void add(TrainingImage image) throws Exception {
    Long n = arrived.value();
    long count = n == null ? 0 : n;
    slots.put((int) (count % capacity), image);
    arrived.update(count + 1);
  }

  /**
   * The window's images, at most W, in slot order (not arrival order once it has wrapped). A slot
   * not yet written is skipped: after a restore with a larger W the window refills as images come.
   */
  List<TrainingImage> images() throws Exception {
    Long n = arrived.value();
    int size = (int) Math.min(capacity, n == null ? 0 : n);
    List<TrainingImage> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      TrainingImage image = slots.get(i);
      if (image != null) {
        out.add(image);
      }
    }
    return out;
  }
}

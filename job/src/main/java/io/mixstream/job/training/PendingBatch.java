package io.mixstream.job.training;

import io.mixstream.job.ingest.TrainingImage;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The mini-batch being assembled, in keyed state (RocksDB in the job): images are appended one by
 * one, never read back until the batch is full, so a partial batch survives a restart and costs one
 * state write per image.
 */
public final class PendingBatch {
  private final int size;
  private final ListState<TrainingImage> images;
  private final ValueState<Integer> count;

  /** Registers the state in {@code context} (call from {@code open}). */
  public PendingBatch(RuntimeContext context, int size) {
    this.size = size;
    this.images =
        context.getListState(new ListStateDescriptor<>("pending-batch", TrainingImage.class));
    this.count = context.getState(new ValueStateDescriptor<>("pending-count", Types.INT));
  }

  /** Images waiting for the current key's next batch. */
  public int waiting() throws Exception {
    Integer c = count.value();
    return c == null ? 0 : c;
  }

  /**
   * Adds an image for the current key.
   *
   * @return the full batch, in arrival order, once this image completes it (the state is then empty
   *     again); null before
   */
  public List<TrainingImage> add(TrainingImage image) throws Exception {
    images.add(image);
    Integer c = count.value();
    int n = (c == null ? 0 : c) + 1;
    if (n < size) {
      count.update(n);
      return null;
    }
    List<TrainingImage> batch = new ArrayList<>(n);
    images.get().forEach(batch::add);
    images.clear();
    count.clear();
    return batch;
  }
}

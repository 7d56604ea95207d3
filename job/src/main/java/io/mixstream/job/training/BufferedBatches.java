package io.mixstream.job.training;

import io.mixstream.buffer.ReplayBuffer;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.ingest.TrainingImage;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The trainer's replay buffer in Flink state: the images in keyed map state by arrival number
 * (RocksDB in the job, each kept as it came, as the pending batch keeps them), the index (which
 * images, how often trained, MinRed's features) on the heap and in each checkpoint as one blob of
 * the trainer's operator state. Each model keeps its own buffer: MinRed chooses by the model's own
 * features, and each model trains on its own subtask.
 */
public final class BufferedBatches {
  private final ReplayBuffer buffer;
  private final ReplayBuffer.Store<TrainingImage> store;

  /** Registers the state in {@code context} (call from {@code open}); {@code index} if restored. */
  public BufferedBatches(RuntimeContext context, TrainingConfig config, byte[] index) {
    TrainingConfig.Buffer b = config.buffer();
    buffer =
        new ReplayBuffer(
            b.bufferSize(),
            config.batchSize(),
            b.updatesPerBatch(),
            config.keyDim(),
            b.bufferPolicy(),
            config.seed());
    if (index != null) {
      buffer.restore(index);
    }
    MapState<Long, TrainingImage> images =
        context.getMapState(
            new MapStateDescriptor<>(
                "replay-buffer-images", Types.LONG, TypeInformation.of(TrainingImage.class)));
    store =
        new ReplayBuffer.Store<>() {
          @Override
          public void put(long arrival, TrainingImage image) throws Exception {
            images.put(arrival, image);
          }

          @Override
          public TrainingImage get(long arrival) throws Exception {
            return images.get(arrival);
          }

          @Override
          public void remove(long arrival) throws Exception {
            images.remove(arrival);
          }
        };
  }

  public ReplayBuffer buffer() {
    return buffer;
  }

  /** Takes an arriving image in; returns the training steps due now. */
  public int add(TrainingImage image) throws Exception {
    return buffer.add(image, store);
  }

  /** A training batch drawn from the buffer, in the order of {@code drawn}. */
  public List<TrainingImage> images(long[] drawn) throws Exception {
    List<TrainingImage> out = new ArrayList<>(drawn.length);
    for (long arrival : drawn) {
      out.add(store.get(arrival));
    }
    return out;
  }

  public byte[] export() {
    return buffer.export();
  }
}

package io.mixstream.records;

import java.util.Arrays;
import java.util.Objects;

/**
 * One image's embedding from one model at one step, as the {@code embeddings} topic carries it.
 *
 * @param modelKey which model computed it
 * @param imageId the image's id, as in its image record
 * @param label class index, or {@link ImageRecord#NO_LABEL}
 * @param step training steps the model had done
 * @param vector the L2-normalised embedding
 */
public record EmbeddingRecord(
    String modelKey, String imageId, int label, long step, float[] vector) {
  public EmbeddingRecord {
    Objects.requireNonNull(modelKey, "modelKey");
    Objects.requireNonNull(imageId, "imageId");
    Objects.requireNonNull(vector, "vector");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EmbeddingRecord r
        && modelKey.equals(r.modelKey)
        && imageId.equals(r.imageId)
        && label == r.label
        && step == r.step
        && Arrays.equals(vector, r.vector);
  }

  @Override
  public int hashCode() {
    return Objects.hash(modelKey, imageId, label, step, Arrays.hashCode(vector));
  }

  @Override
  public String toString() {
    return "EmbeddingRecord[model=%s, id=%s, label=%d, step=%d, dim=%d]"
        .formatted(modelKey, imageId, label, step, vector.length);
  }
}

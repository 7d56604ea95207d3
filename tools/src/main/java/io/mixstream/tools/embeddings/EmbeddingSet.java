package io.mixstream.tools.embeddings;

import io.mixstream.records.EmbeddingRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The embeddings of one model at one step, one per image id (a record repeated after a restart of
 * the job replaces the earlier copy), in id order.
 */
public final class EmbeddingSet {
  private final String model;
  private final long step;
  private final List<EmbeddingRecord> records;

  private EmbeddingSet(String model, long step, List<EmbeddingRecord> records) {
    this.model = model;
    this.step = step;
    this.records = records;
  }

  /**
   * @param step the step to take, or empty for the latest step of that model
   * @throws IllegalArgumentException when nothing matches, saying what there is
   */
  public static EmbeddingSet select(List<EmbeddingRecord> all, String model, OptionalLong step) {
    List<EmbeddingRecord> ofModel = all.stream().filter(r -> r.modelKey().equals(model)).toList();
    if (ofModel.isEmpty()) {
      throw new IllegalArgumentException(
          "no embeddings of model %s; models on the topic: %s"
              .formatted(model, all.stream().map(EmbeddingRecord::modelKey).distinct().toList()));
    }
    long chosen = step.orElse(ofModel.stream().mapToLong(EmbeddingRecord::step).max().getAsLong());
    Map<String, EmbeddingRecord> byId = new TreeMap<>();
    ofModel.stream().filter(r -> r.step() == chosen).forEach(r -> byId.put(r.imageId(), r));
    if (byId.isEmpty()) {
      throw new IllegalArgumentException(
          "no embeddings of model %s at step %d; steps on the topic: %s"
              .formatted(
                  model,
                  chosen,
                  ofModel.stream().map(EmbeddingRecord::step).distinct().sorted().toList()));
    }
    return new EmbeddingSet(model, chosen, new ArrayList<>(byId.values()));
  }

  public String model() {
    return model;
  }

  public long step() {
    return step;
  }

  public List<EmbeddingRecord> records() {
    return records;
  }

  public int dim() {
    return records.get(0).vector().length;
  }

  /** [size, dim] row-major, in id order. */
  public float[] matrix() {
    int d = dim();
    float[] out = new float[records.size() * d];
    for (int i = 0; i < records.size(); i++) {
      float[] v = records.get(i).vector();
      if (v.length != d) {
        throw new IllegalStateException(
            records.get(i).imageId() + " has " + v.length + " values, the others " + d);
      }
      System.arraycopy(v, 0, out, i * d, d);
    }
    return out;
  }

  /** A neighbour and its cosine similarity. */
  public record Neighbour(EmbeddingRecord record, double cosine) {}

  /**
   * The {@code top} most similar other images by cosine similarity.
   *
   * @throws IllegalArgumentException when the id is not in the set
   */
  public List<Neighbour> neighbours(String id, int top) {
    EmbeddingRecord q =
        records.stream()
            .filter(r -> r.imageId().equals(id))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "image %s has no embedding at step %d of model %s (%d images there, e.g. %s)"
                            .formatted(id, step, model, records.size(), records.get(0).imageId())));
    return records.stream()
        .filter(r -> !r.imageId().equals(id))
        .map(r -> new Neighbour(r, cosine(q.vector(), r.vector())))
        .sorted(Comparator.comparingDouble(Neighbour::cosine).reversed())
        .limit(top)
        .toList();
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(Math.max(na * nb, 1e-24));
  }
}

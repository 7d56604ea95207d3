package io.mixstream.train;

import ai.djl.ndarray.NDManager;
import io.mixstream.config.Stem;
import io.mixstream.config.TrainingConfig;
import io.mixstream.model.NamedTensor;
import io.mixstream.model.RegionProjection;
import io.mixstream.model.ResNet18Encoder;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The query encoder (trained), the key encoder (its momentum copy) and, for the approaches, the
 * region projection (trained, shared by both sides).
 */
final class Networks {
  final ResNet18Encoder query;
  final ResNet18Encoder key;
  final RegionProjection projection; // null unless the method uses region features

  Networks(NDManager m, TrainingConfig.Model c, boolean regions, RandomGenerator rng) {
    Stem stem = c.resolvedStem();
    query = new ResNet18Encoder(m, c.width(), c.embeddingDim(), c.bnSplits(), stem, rng);
    key = new ResNet18Encoder(m, c.width(), c.embeddingDim(), c.bnSplits(), stem, rng);
    key.copyFrom(query);
    projection =
        regions ? new RegionProjection(m, query.featureChannels(), c.embeddingDim(), rng) : null;
    for (NamedTensor p : trainable()) {
      p.array().setRequiresGradient(true);
    }
  }

  /** What SGD updates: the query encoder's parameters, then the projection's. */
  List<NamedTensor> trainable() {
    List<NamedTensor> out = new ArrayList<>(query.parameters());
    if (projection != null) {
      out.addAll(projection.tensors());
    }
    return out;
  }

  /** Every tensor a checkpoint needs, with a prefix per network. */
  List<NamedTensor> stateTensors() {
    List<NamedTensor> out = new ArrayList<>();
    query.tensors().forEach(t -> out.add(prefixed("query.", t)));
    key.tensors().forEach(t -> out.add(prefixed("key.", t)));
    if (projection != null) {
      projection.tensors().forEach(t -> out.add(prefixed("", t)));
    }
    return out;
  }

  /**
   * What a step changes before its loss is known: the key encoder (its momentum update) and every
   * BN running statistic (the forward passes).
   */
  List<NamedTensor> changedBeforeTheLoss() {
    List<NamedTensor> out = new ArrayList<>(key.tensors());
    query.tensors().stream().filter(t -> !t.trainable()).forEach(out::add);
    if (projection != null) {
      projection.tensors().stream().filter(t -> !t.trainable()).forEach(out::add);
    }
    return out;
  }

  private static NamedTensor prefixed(String prefix, NamedTensor t) {
    return new NamedTensor(prefix + t.name(), t.array(), t.trainable());
  }
}

package io.mixstream.train;

import ai.djl.ndarray.NDManager;
import io.mixstream.config.Method;
import io.mixstream.config.Stem;
import io.mixstream.config.TrainingConfig;
import io.mixstream.model.MlpHead;
import io.mixstream.model.NamedTensor;
import io.mixstream.model.RegionProjection;
import io.mixstream.model.ResNet18Encoder;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A method's networks: the query (online) encoder, trained; the key (target) encoder, its momentum
 * copy, for all but SimCLR; for the approaches the region projection (trained, shared by both
 * sides); for SimCLR and BYOL the projector (BYOL's target keeps a momentum copy of it too) and
 * BYOL's predictor.
 */
final class Networks {
  final ResNet18Encoder query;
  final ResNet18Encoder key; // null for SimCLR
  final RegionProjection projection; // null unless the method uses region features
  final MlpHead projector; // SimCLR and BYOL
  final MlpHead keyProjector; // BYOL's target projector
  final MlpHead predictor; // BYOL

  Networks(NDManager m, TrainingConfig c, RandomGenerator rng) {
    TrainingConfig.Model model = c.model();
    Method method = c.method();
    Stem stem = model.resolvedStem();
    int head = method.headless() ? 0 : model.embeddingDim();
    query = new ResNet18Encoder(m, model.width(), head, model.bnSplits(), stem, rng);
    if (method.hasKeyEncoder()) {
      key = new ResNet18Encoder(m, model.width(), head, model.bnSplits(), stem, rng);
      key.copyFrom(query);
    } else {
      key = null;
    }
    projection =
        method.usesRegions()
            ? new RegionProjection(m, query.featureChannels(), model.embeddingDim(), rng)
            : null;
    int d = query.featureChannels();
    if (method == Method.SIMCLR) {
      projector = new MlpHead("projector", m, d, d, model.embeddingDim(), rng); // §13
      keyProjector = null;
      predictor = null;
    } else if (method == Method.BYOL) {
      int hidden = c.baselines().byolHidden();
      int out = TrainingConfig.BYOL_PROJECTION;
      projector = new MlpHead("projector", m, d, hidden, out, rng);
      keyProjector = new MlpHead("projector", m, d, hidden, out, rng);
      keyProjector.copyFrom(projector);
      predictor = new MlpHead("predictor", m, out, hidden, out, rng);
    } else {
      projector = null;
      keyProjector = null;
      predictor = null;
    }
    for (NamedTensor p : trainable()) {
      p.array().setRequiresGradient(true);
    }
  }

  /** What SGD updates: the query encoder's parameters, then the projection's or the heads'. */
  List<NamedTensor> trainable() {
    List<NamedTensor> out = new ArrayList<>(query.parameters());
    for (NamedTensor t : trained()) {
      if (t.trainable()) {
        out.add(t);
      }
    }
    return out;
  }

  /** Every tensor of the trained parts besides the query encoder, in a fixed order. */
  private List<NamedTensor> trained() {
    List<NamedTensor> out = new ArrayList<>();
    if (projection != null) {
      out.addAll(projection.tensors());
    }
    if (projector != null) {
      out.addAll(projector.tensors());
    }
    if (predictor != null) {
      out.addAll(predictor.tensors());
    }
    return out;
  }

  /**
   * The heads a snapshot keeps beside the backbone, under their own names (SimCLR's projector,
   * BYOL's projector and predictor); empty for the MoCo family, whose head is the encoder's fc.
   */
  List<NamedTensor> snapshotHeads() {
    List<NamedTensor> out = new ArrayList<>();
    if (projector != null) {
      out.addAll(projector.tensors());
    }
    if (predictor != null) {
      out.addAll(predictor.tensors());
    }
    return out;
  }

  /** Every tensor a checkpoint needs, with a prefix per network. */
  List<NamedTensor> stateTensors() {
    List<NamedTensor> out = new ArrayList<>();
    query.tensors().forEach(t -> out.add(prefixed("query.", t)));
    if (key != null) {
      key.tensors().forEach(t -> out.add(prefixed("key.", t)));
    }
    if (projection != null) {
      projection.tensors().forEach(t -> out.add(prefixed("", t)));
    }
    if (projector != null) {
      projector.tensors().forEach(t -> out.add(prefixed("query.", t)));
    }
    if (keyProjector != null) {
      keyProjector.tensors().forEach(t -> out.add(prefixed("key.", t)));
    }
    if (predictor != null) {
      predictor.tensors().forEach(t -> out.add(prefixed("query.", t)));
    }
    return out;
  }

  /**
   * What a step changes before its loss is known: the key side (its momentum update) and every BN
   * running statistic (the forward passes).
   */
  List<NamedTensor> changedBeforeTheLoss() {
    List<NamedTensor> out = new ArrayList<>();
    if (key != null) {
      out.addAll(key.tensors());
    }
    if (keyProjector != null) {
      out.addAll(keyProjector.tensors());
    }
    query.tensors().stream().filter(t -> !t.trainable()).forEach(out::add);
    trained().stream().filter(t -> !t.trainable()).forEach(out::add);
    return out;
  }

  /** The key side's momentum update towards the query side at rate m (§1.3, §14). */
  void momentumUpdate(double m) {
    if (key != null) {
      key.momentumUpdateFrom(query, m);
    }
    if (keyProjector != null) {
      keyProjector.momentumUpdateFrom(projector, m);
    }
  }

  private static NamedTensor prefixed(String prefix, NamedTensor t) {
    return new NamedTensor(prefix + t.name(), t.array(), t.trainable());
  }
}

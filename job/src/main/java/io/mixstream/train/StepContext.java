package io.mixstream.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.mixstream.config.TrainingConfig;
import io.mixstream.loss.InfoNce;
import io.mixstream.loss.L2;
import io.mixstream.loss.RegionPooling;
import io.mixstream.mixing.CutMixBox;
import io.mixstream.model.EncoderOutput;
import io.mixstream.queue.NegativeQueue;
import io.mixstream.queue.QueueName;
import io.mixstream.rng.Shuffle;
import io.mixstream.torch.GradMode;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * What a method sees during one step: the two augmented views (host floats, for mixing), the step's
 * generator, and the forward passes. Query forwards build the autograd graph; key forwards run with
 * gradients off.
 */
final class StepContext {
  final TrainingConfig config;
  final int batch;

  /** S, the views' side. */
  final int side;

  final float[] x1;
  final float[] x2;
  final RandomGenerator rng;
  private final Networks nets;
  private final NDManager manager;
  private final Map<QueueName, NegativeQueue> queues;

  StepContext(
      TrainingConfig config,
      float[] x1,
      float[] x2,
      RandomGenerator rng,
      Networks nets,
      NDManager manager,
      Map<QueueName, NegativeQueue> queues) {
    this.config = config;
    this.side = config.model().imageSize();
    this.batch = x1.length / (3 * side * side);
    this.x1 = x1;
    this.x2 = x2;
    this.rng = rng;
    this.nets = nets;
    this.manager = manager;
    this.queues = queues;
  }

  /** Host images [B,3,S,S] to the training device. */
  NDArray upload(float[] images) {
    return manager.create(images, new Shape(batch, 3, side, side));
  }

  /** λ₀ ~ Beta(1,1) = U(0,1), drawn once per step (§3). */
  double drawLambda0() {
    return rng.nextDouble();
  }

  /**
   * The approaches' two boxes: one λ₀ per step, one cut side, independent centres for the query
   * branch (box1) and the key branch (box2), never empty (mix-ssl's rule).
   */
  BoxPair drawBoxPair() {
    int cut = CutMixBox.cutSide(drawLambda0(), side);
    CutMixBox box1 = CutMixBox.sample(side, cut, true, rng);
    CutMixBox box2 = CutMixBox.sample(side, cut, true, rng);
    return new BoxPair(box1, box2);
  }

  /** The query branch's box and the key branch's box of one step. */
  record BoxPair(CutMixBox query, CutMixBox key) {}

  /** λ for the approaches: the exact box ratio, or the configured fixed value (A5). */
  double approachLambda(CutMixBox box) {
    return config.mixing().hasFixedLambda() ? config.mixing().fixedLambda() : box.lambda();
  }

  EncoderOutput query(NDArray images) {
    return nets.query.forward(images, true);
  }

  static NDArray normalize(NDArray x) {
    return L2.normalize(x);
  }

  /**
   * The key encoder's forward without gradients, optionally on a random permutation of the batch
   * that is undone on the outputs (§1.3's shuffle for the single-device SplitBN).
   */
  EncoderOutput key(NDArray images, boolean shuffle) {
    try (GradMode off = GradMode.off()) {
      if (!shuffle) {
        return nets.key.forward(images, true);
      }
      long[] perm = permutation();
      long[] inverse = new long[perm.length];
      for (int i = 0; i < perm.length; i++) {
        inverse[(int) perm[i]] = i;
      }
      NDArray shuffled = images.get(new NDIndex("{}", manager.create(perm)));
      EncoderOutput out = nets.key.forward(shuffled, true);
      NDIndex unshuffle = new NDIndex("{}", manager.create(inverse));
      return new EncoderOutput(out.embedding().get(unshuffle), out.featureMap().get(unshuffle));
    }
  }

  /**
   * Each image's key of the step for the replay buffer: the first {@link #keyEmbedding} (the MoCo
   * family's k of the clean second view), SimCLR's z and BYOL's z' of that view.
   */
  NDArray imageKeys;

  /** k = normalize(head(f_k(shuffled x))): MoCo's positive keys, no gradients. */
  NDArray keyEmbedding(NDArray images) {
    NDArray k = normalize(key(images, true).embedding());
    if (imageKeys == null) {
      imageKeys = k;
    }
    return k;
  }

  /** Local and global features of a layer4 map for a box (§6), normalised. */
  Regions regions(NDArray featureMap, CutMixBox box) {
    RegionPooling.Weights w = RegionPooling.weights(box, (int) featureMap.getShape().get(2));
    NDArray local = nets.projection.apply(RegionPooling.pool(featureMap, w.inside()));
    NDArray global = nets.projection.apply(RegionPooling.pool(featureMap, w.outside()));
    return new Regions(normalize(local), normalize(global));
  }

  /** {@link #regions} for a key-side map: the shared projection under no-grad. */
  Regions keyRegions(NDArray featureMap, CutMixBox box) {
    try (GradMode off = GradMode.off()) {
      return regions(featureMap, box);
    }
  }

  NDArray infoNce(NDArray q, NDArray k, QueueName queue) {
    return traced(
        InfoNce.loss(q, k, queues.get(queue).matrix(), config.moco().temperature()), q, k, queue);
  }

  /**
   * z = normalize(g(f(x))): SimCLR's and BYOL's online projection of a view, its own forward call
   * (BN statistics per view, §13).
   */
  NDArray projected(NDArray images) {
    return normalize(nets.projector.forward(nets.query.forward(images, true).embedding()));
  }

  /** p = normalize(q(g(f(x)))): BYOL's online prediction of a view (§14). */
  NDArray predicted(NDArray images) {
    NDArray z = nets.projector.forward(nets.query.forward(images, true).embedding());
    return normalize(nets.predictor.forward(z));
  }

  /** z' = normalize(g'(f'(x))): BYOL's target projection of a view, without gradients (§14). */
  NDArray targetProjected(NDArray images) {
    try (GradMode off = GradMode.off()) {
      return normalize(nets.keyProjector.forward(nets.key.forward(images, true).embedding()));
    }
  }

  /**
   * Records {@code loss}'s inputs when the step is traced, and returns it.
   *
   * @param queue the queue of negatives the term reads; null for a term without one
   */
  NDArray traced(NDArray loss, NDArray q, NDArray k, QueueName queue) {
    if (termCalls != null) {
      termCalls.put(loss, new TermCall(q, k, queue));
    }
    return loss;
  }

  /** One term's inputs: L(q, k; queue), the queue null where the term reads none. */
  record TermCall(NDArray q, NDArray k, QueueName queue) {}

  /**
   * The step's term calls by the loss each returned, when the step is traced ({@link
   * MocoTrainer#stepTraced}); null otherwise, so an ordinary step records nothing.
   */
  Map<NDArray, TermCall> termCalls;

  private long[] permutation() {
    return java.util.Arrays.stream(Shuffle.permutation(batch, rng)).asLongStream().toArray();
  }

  /** Region features: local (inside the box) and global (outside it). */
  record Regions(NDArray local, NDArray global) {
    /** The same features with the batch order reversed (the flip trick of §7). */
    Regions reversed() {
      return new Regions(local.flip(0), global.flip(0));
    }
  }
}

package io.mixstream.train;

import ai.djl.ndarray.NDArray;
import io.mixstream.mixing.CutMixBox;
import io.mixstream.mixing.Mixing;
import io.mixstream.model.EncoderOutput;
import io.mixstream.queue.QueueName;
import io.mixstream.train.StepContext.Regions;

/**
 * Approach 2 (§7), as the released code: in-batch mixing with the reversed batch, independent boxes
 * of one cut side for the two branches, λ from box1. Total = L(q,k) + λ·(L(q^M,k) + L(q^G,k) +
 * L(q^L,k^L;Q_L)) + (1−λ)·(the same with the reversed queries); queues Q_o and Q_L.
 *
 * <p>With the flip trick (default) the reversed queries are the rows of the mixed forward in
 * reverse order, which equals a third forward of the reversed mixture exactly under strided SplitBN
 * with B divisible by the number of groups (§7); without it, that third forward runs.
 *
 * <p>The released code pairs the two reversed region terms with keys of other images (§7's ✗ rows).
 * With {@code approach2-aligned} (A7's ablation) each is paired with the key of the image its
 * region shows: k and k^L with their rows reversed.
 */
final class Approach2Loss implements MethodLoss {
  @Override
  public StepLoss compute(StepContext ctx) {
    StepContext.BoxPair boxes = ctx.drawBoxPair();
    CutMixBox box1 = boxes.query();
    CutMixBox box2 = boxes.key();
    double lambda = ctx.approachLambda(box1);
    float[] m1 = Mixing.pasteReversed(ctx.x1, ctx.batch, box1);
    float[] m2 = Mixing.pasteReversed(ctx.x2, ctx.batch, box2);

    NDArray k = ctx.keyEmbedding(ctx.upload(ctx.x2));
    NDArray keyMap = ctx.key(ctx.upload(m2), ctx.config.mixing().shuffleKeyMixture()).featureMap();
    NDArray kLocal = ctx.keyRegions(keyMap, box2).local();

    NDArray q = StepContext.normalize(ctx.query(ctx.upload(ctx.x1)).embedding());
    NDArray m1Images = ctx.upload(m1);
    EncoderOutput mixedOut = ctx.query(m1Images);
    NDArray qMixed = StepContext.normalize(mixedOut.embedding());
    Regions qRegions = ctx.regions(mixedOut.featureMap(), box1);
    NDArray qMixedReversed;
    Regions qRegionsReversed;
    if (ctx.config.mixing().approach2FlipTrick()) {
      qMixedReversed = qMixed.flip(0);
      qRegionsReversed = qRegions.reversed();
    } else {
      EncoderOutput reversedOut = ctx.query(m1Images.flip(0));
      qMixedReversed = StepContext.normalize(reversedOut.embedding());
      qRegionsReversed = ctx.regions(reversedOut.featureMap(), box1);
    }

    boolean aligned = ctx.config.mixing().approach2Aligned();
    NDArray kOfReversedGlobal = aligned ? k.flip(0) : k;
    NDArray kOfReversedLocal = aligned ? kLocal.flip(0) : kLocal;
    return new StepLoss()
        .lambda(lambda)
        .term("original", 1, ctx.infoNce(q, k, QueueName.ORIGINAL))
        .term("mixed", lambda, ctx.infoNce(qMixed, k, QueueName.ORIGINAL))
        .term("global_original", lambda, ctx.infoNce(qRegions.global(), k, QueueName.ORIGINAL))
        .term("local_local", lambda, ctx.infoNce(qRegions.local(), kLocal, QueueName.LOCAL))
        .term("mixed_reversed", 1 - lambda, ctx.infoNce(qMixedReversed, k, QueueName.ORIGINAL))
        .term(
            "global_original_reversed",
            1 - lambda,
            ctx.infoNce(qRegionsReversed.global(), kOfReversedGlobal, QueueName.ORIGINAL))
        .term(
            "local_local_reversed",
            1 - lambda,
            ctx.infoNce(qRegionsReversed.local(), kOfReversedLocal, QueueName.LOCAL))
        .enqueue(QueueName.ORIGINAL, k)
        .enqueue(QueueName.LOCAL, kLocal);
  }
}

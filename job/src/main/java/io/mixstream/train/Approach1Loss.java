package io.mixstream.train;

import ai.djl.ndarray.NDArray;
import io.mixstream.mixing.CutMixBox;
import io.mixstream.mixing.Mixing;
import io.mixstream.model.EncoderOutput;
import io.mixstream.queue.QueueName;
import io.mixstream.train.StepContext.Regions;

/**
 * Approach 1 (§8): mixing between the branches of one image. M1 = x1 with box1 from x2, M2 = x2
 * with box2 from x1 (same cut side, independent centres). Total = L(q,k) + λ·L(q^M,k) +
 * (1−λ)·(L(q^G,k^G;Q_G) + L(q^L,k^L;Q_L) + L(q^L,k^G;Q_G)); three queues.
 */
final class Approach1Loss implements MethodLoss {
  @Override
  public StepLoss compute(StepContext ctx) {
    StepContext.BoxPair boxes = ctx.drawBoxPair();
    CutMixBox box1 = boxes.query();
    CutMixBox box2 = boxes.key();
    double lambda = ctx.approachLambda(box1);
    float[] m1 = Mixing.pasteAligned(ctx.x1, ctx.x2, ctx.batch, box1);
    float[] m2 = Mixing.pasteAligned(ctx.x2, ctx.x1, ctx.batch, box2);

    NDArray k = ctx.keyEmbedding(ctx.upload(ctx.x2));
    NDArray keyMap = ctx.key(ctx.upload(m2), ctx.config.mixing().shuffleKeyMixture()).featureMap();
    Regions kRegions = ctx.keyRegions(keyMap, box2);

    NDArray q = StepContext.normalize(ctx.query(ctx.upload(ctx.x1)).embedding());
    EncoderOutput mixedOut = ctx.query(ctx.upload(m1));
    NDArray qMixed = StepContext.normalize(mixedOut.embedding());
    Regions qRegions = ctx.regions(mixedOut.featureMap(), box1);

    return new StepLoss()
        .lambda(lambda)
        .term("original", 1, ctx.infoNce(q, k, QueueName.ORIGINAL))
        .term("mixed", lambda, ctx.infoNce(qMixed, k, QueueName.ORIGINAL))
        .term(
            "global_global",
            1 - lambda,
            ctx.infoNce(qRegions.global(), kRegions.global(), QueueName.GLOBAL))
        .term(
            "local_local",
            1 - lambda,
            ctx.infoNce(qRegions.local(), kRegions.local(), QueueName.LOCAL))
        .term(
            "local_global",
            1 - lambda,
            ctx.infoNce(qRegions.local(), kRegions.global(), QueueName.GLOBAL))
        .enqueue(QueueName.ORIGINAL, k)
        .enqueue(QueueName.GLOBAL, kRegions.global())
        .enqueue(QueueName.LOCAL, kRegions.local());
  }
}

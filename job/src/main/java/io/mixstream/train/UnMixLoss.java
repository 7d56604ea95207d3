package io.mixstream.train;

import ai.djl.ndarray.NDArray;
import io.mixstream.mixing.CutMixBox;
import io.mixstream.mixing.Mixing;
import io.mixstream.queue.QueueName;

/**
 * MoCo + Un-Mix (§4): once per step, mixup (p = unmixMixupProbability, λ = λ₀) or CutMix (λ = the
 * exact box ratio) of x1 with the reversed batch; L(q,k) + λ·L(q^M,k) + (1−λ)·L(q^{M,R},k), where
 * q^{M,R} is q^M with its rows reversed.
 */
final class UnMixLoss implements MethodLoss {
  @Override
  public StepLoss compute(StepContext ctx) {
    double lambda0 = ctx.drawLambda0();
    boolean mixup = ctx.rng.nextDouble() < ctx.config.mixing().unmixMixupProbability();
    float[] mixed;
    double lambda;
    if (mixup) {
      mixed = Mixing.mixupReversed(ctx.x1, ctx.batch, lambda0);
      lambda = lambda0;
    } else {
      CutMixBox box =
          CutMixBox.sample(ctx.side, CutMixBox.cutSide(lambda0, ctx.side), false, ctx.rng);
      mixed = Mixing.pasteReversed(ctx.x1, ctx.batch, box);
      lambda = box.lambda();
    }
    NDArray k = ctx.keyEmbedding(ctx.upload(ctx.x2));
    NDArray q = StepContext.normalize(ctx.query(ctx.upload(ctx.x1)).embedding());
    NDArray qMixed = StepContext.normalize(ctx.query(ctx.upload(mixed)).embedding());
    return new StepLoss()
        .lambda(lambda)
        .term("original", 1, ctx.infoNce(q, k, QueueName.ORIGINAL))
        .term("mixed", lambda, ctx.infoNce(qMixed, k, QueueName.ORIGINAL))
        .term("mixed_reversed", 1 - lambda, ctx.infoNce(qMixed.flip(0), k, QueueName.ORIGINAL))
        .enqueue(QueueName.ORIGINAL, k);
  }
}

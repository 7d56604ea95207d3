package io.mixstream.train;

import ai.djl.ndarray.NDArray;
import io.mixstream.config.CutMixSource;
import io.mixstream.mixing.CutMixBox;
import io.mixstream.mixing.Mixing;
import io.mixstream.queue.QueueName;

/**
 * MoCo + CutMix (§5): L(q,k) + λ·L(q^M,k). By default (reading (c)) M pastes the box from the other
 * view of the same image; with the reversed-batch source it is readings (b), and with the reverse
 * term (1−λ)·L(q^{M,R},k) reading (a).
 */
final class MocoCutMixLoss implements MethodLoss {
  @Override
  public StepLoss compute(StepContext ctx) {
    double lambda0 = ctx.drawLambda0();
    CutMixBox box = CutMixBox.sample(ctx.side, CutMixBox.cutSide(lambda0, ctx.side), true, ctx.rng);
    double lambda = box.lambda();
    float[] mixed =
        ctx.config.mixing().cutmixSource() == CutMixSource.OTHER_VIEW
            ? Mixing.pasteAligned(ctx.x1, ctx.x2, ctx.batch, box)
            : Mixing.pasteReversed(ctx.x1, ctx.batch, box);
    NDArray k = ctx.keyEmbedding(ctx.upload(ctx.x2));
    NDArray q = StepContext.normalize(ctx.query(ctx.upload(ctx.x1)).embedding());
    NDArray qMixed = StepContext.normalize(ctx.query(ctx.upload(mixed)).embedding());
    StepLoss loss =
        new StepLoss()
            .lambda(lambda)
            .term("original", 1, ctx.infoNce(q, k, QueueName.ORIGINAL))
            .term("mixed", lambda, ctx.infoNce(qMixed, k, QueueName.ORIGINAL));
    if (ctx.config.mixing().cutmixReverseTerm()) {
      loss.term("mixed_reversed", 1 - lambda, ctx.infoNce(qMixed.flip(0), k, QueueName.ORIGINAL));
    }
    return loss.enqueue(QueueName.ORIGINAL, k);
  }
}

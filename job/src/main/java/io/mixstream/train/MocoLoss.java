package io.mixstream.train;

import ai.djl.ndarray.NDArray;
import io.mixstream.queue.QueueName;

/** Plain MoCo (§1): L(q, k) with q = f_q(x1), k = f_k(shuffled x2). */
final class MocoLoss implements MethodLoss {
  @Override
  public StepLoss compute(StepContext ctx) {
    NDArray k = ctx.keyEmbedding(ctx.upload(ctx.x2));
    NDArray q = StepContext.normalize(ctx.query(ctx.upload(ctx.x1)).embedding());
    return new StepLoss()
        .term("original", 1, ctx.infoNce(q, k, QueueName.ORIGINAL))
        .enqueue(QueueName.ORIGINAL, k);
  }
}

package io.mixstream.train;

import ai.djl.ndarray.NDArray;
import io.mixstream.loss.NegativeCosine;

/**
 * BYOL (§14), symmetric: L = ½·(−mean cos(p₁, z'₂)) + ½·(−mean cos(p₂, z'₁)), p the online
 * prediction of a view, z' the target projection of the other. The target side runs first, without
 * gradients (see {@link MethodLoss}).
 */
final class ByolLoss implements MethodLoss {
  @Override
  public StepLoss compute(StepContext ctx) {
    NDArray t1 = ctx.targetProjected(ctx.upload(ctx.x1));
    NDArray t2 = ctx.targetProjected(ctx.upload(ctx.x2));
    ctx.imageKeys = t2;
    NDArray p1 = ctx.predicted(ctx.upload(ctx.x1));
    NDArray p2 = ctx.predicted(ctx.upload(ctx.x2));
    return new StepLoss()
        .term("view1_to_view2", 0.5, ctx.traced(NegativeCosine.loss(p1, t2), p1, t2, null))
        .term("view2_to_view1", 0.5, ctx.traced(NegativeCosine.loss(p2, t1), p2, t1, null));
  }
}

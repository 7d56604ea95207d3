package io.mixstream.train;

import ai.djl.ndarray.NDArray;
import io.mixstream.loss.NtXent;

/** SimCLR (§13): NT-Xent at τ = simclr-temperature over z₁ = normalize(g(f(x1))) and z₂ of x2. */
final class SimClrLoss implements MethodLoss {
  @Override
  public StepLoss compute(StepContext ctx) {
    NDArray z1 = ctx.projected(ctx.upload(ctx.x1));
    NDArray z2 = ctx.projected(ctx.upload(ctx.x2));
    ctx.imageKeys = z2;
    double tau = ctx.config.baselines().simclrTemperature();
    return new StepLoss().term("nt_xent", 1, ctx.traced(NtXent.loss(z1, z2, tau), z1, z2, null));
  }
}

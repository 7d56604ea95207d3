package io.mixstream.train;

import io.mixstream.config.TrainingConfig;

/** One training method's forward passes and loss for a step. */
interface MethodLoss {
  StepLoss compute(StepContext ctx);

  static MethodLoss of(TrainingConfig config) {
    return switch (config.method()) {
      case MOCO -> new MocoLoss();
      case MOCO_CUTMIX -> new MocoCutMixLoss();
      case UNMIX -> new UnMixLoss();
      case APPROACH1 -> new Approach1Loss();
      case APPROACH2 -> new Approach2Loss();
    };
  }
}

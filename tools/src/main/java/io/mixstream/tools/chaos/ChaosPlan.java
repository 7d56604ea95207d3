package io.mixstream.tools.chaos;

import io.mixstream.config.BufferPolicy;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import java.nio.file.Path;

/**
 * What a chaos run does: how many kills and of what, on which model, from which seed.
 *
 * @param kills TaskManager kills
 * @param seed the kills' moments and the model's seed
 * @param width the model's width
 * @param restartBroker stop and start the broker once, halfway
 * @param ha ZooKeeper high availability with a standby JobManager, and some kills of the leading
 *     JobManager
 * @param work where the broker, the cluster, checkpoints and snapshots live
 * @param buffer the replay buffer between the stream and the trainer (off: size 0)
 * @param method what the model trains (approach2 by default: the most state, two queues and the
 *     region branch; byol: a target network and two MLP heads)
 */
public record ChaosPlan(
    int kills,
    long seed,
    int width,
    boolean restartBroker,
    boolean ha,
    Path work,
    TrainingConfig.Buffer buffer,
    Method method) {
  /** Steps between two kills' target steps. */
  static final int SPACING = 10;

  /** Images per training step. */
  public static final int BATCH = 32;

  /** Steps between snapshots (and evaluations), the moments some kills aim at. */
  static final int EVAL_EVERY = 8;

  /** No replay buffer. */
  public static final TrainingConfig.Buffer NO_BUFFER =
      new TrainingConfig.Buffer(0, BufferPolicy.MINRED, 1);

  public ChaosPlan(int kills, long seed, int width, boolean restartBroker, boolean ha, Path work) {
    this(kills, seed, width, restartBroker, ha, work, NO_BUFFER, Method.APPROACH2);
  }

  public ChaosPlan {
    if (kills < 0) {
      throw new IllegalArgumentException("--kills must be 0 or more");
    }
    if (width < 1) {
      throw new IllegalArgumentException("--width must be at least 1");
    }
  }

  /** Training steps: room for every kill, each a few steps after a checkpoint. */
  public int steps() {
    return 2 * SPACING + kills * SPACING + 2 * SPACING;
  }
}

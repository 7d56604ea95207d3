package io.mixstream.tools.chaos;

import io.mixstream.tools.fuzz.HostileStream;
import io.mixstream.train.TrainedDigest;
import java.util.List;

/**
 * The outcome of a chaos run; {@link #proven()} says whether everything held.
 *
 * @param referenceSha the undisturbed run's final state ({@code type final})
 * @param chaosSha the disturbed run's
 * @param expectedDigest the digest of (image id, epoch) over every valid image replayed
 * @param stepsDiffering steps whose last loss differs from the undisturbed run's, or missing
 * @param notDeadLettered offsets of refused records absent from the dead-letter topic
 * @param withoutReason offsets of dead letters without a reason
 * @param snapshots snapshot files of the disturbed run
 * @param badSnapshots snapshot files that do not load or differ from the undisturbed run's
 * @param restarts job restarts the JobManager counted
 */
public record ChaosResult(
    ChaosPlan plan,
    int steps,
    HostileStream.Sent sent,
    List<Kill> kills,
    boolean brokerRestarted,
    long restarts,
    String referenceSha,
    String chaosSha,
    TrainedDigest expectedDigest,
    TrainedDigest referenceDigest,
    TrainedDigest chaosDigest,
    List<Long> stepsDiffering,
    long stepRecords,
    List<Long> notDeadLettered,
    List<Long> withoutReason,
    int snapshots,
    List<String> badSnapshots,
    int leftoverTemporaryFiles,
    double referenceSeconds,
    double chaosSeconds) {
  /** How much more resident memory than before the first kill a later one may find. */
  public static final double MEMORY_MARGIN = 1.5;

  /** What a kill was aimed at: the moment the TaskManager was killed in. */
  public enum Moment {
    STEP("during a step"),
    CHECKPOINT("during a checkpoint"),
    SNAPSHOT("at a snapshot write"),
    EVALUATION("during an evaluation"),
    /** The leading JobManager (with high availability only), at a random step. */
    JOB_MANAGER("the leading JobManager");

    private final String words;

    Moment(String words) {
      this.words = words;
    }

    @Override
    public String toString() {
      return words;
    }
  }

  /**
   * One kill.
   *
   * @param process the one killed: the TaskManager that ran the trainer, or the leading JobManager
   * @param step the newest step the metrics topic showed then
   * @param checkpointInProgress whether a checkpoint was in progress then (its folder without
   *     metadata)
   * @param rssBytes the TaskManager's resident memory just before
   * @param secondsToNextStep from the kill to the next step record (failover, restore, catch-up)
   */
  public record Kill(
      int number,
      Moment aimedAt,
      String process,
      long step,
      boolean checkpointInProgress,
      long rssBytes,
      double secondsToNextStep) {}

  public boolean proven() {
    return referenceSha != null
        && referenceSha.equals(chaosSha)
        && expectedDigest.equals(chaosDigest)
        && expectedDigest.equals(referenceDigest)
        && stepsDiffering.isEmpty()
        && notDeadLettered.isEmpty()
        && withoutReason.isEmpty()
        && snapshots > 0
        && badSnapshots.isEmpty()
        && kills.size() == plan.kills()
        && memoryWithinMargin();
  }

  /**
   * Whether the trainer's TaskManager, before every TaskManager kill, used at most {@link
   * #MEMORY_MARGIN} times the resident memory it used before the first (none grows from restart to
   * restart).
   */
  public boolean memoryWithinMargin() {
    return largestRss() <= MEMORY_MARGIN * firstRss();
  }

  /**
   * The trainer's TaskManager's resident memory before the last TaskManager kill over that before
   * the first; NaN with under two.
   */
  public double memoryGrowth() {
    List<Kill> k = taskManagerKills();
    return k.size() < 2
        ? Double.NaN
        : (double) k.get(k.size() - 1).rssBytes() / k.get(0).rssBytes();
  }

  public long largestRss() {
    return taskManagerKills().stream().mapToLong(Kill::rssBytes).max().orElse(0);
  }

  public long firstRss() {
    return taskManagerKills().isEmpty() ? 0 : taskManagerKills().get(0).rssBytes();
  }

  private List<Kill> taskManagerKills() {
    return kills.stream().filter(k -> k.aimedAt() != Moment.JOB_MANAGER).toList();
  }
}

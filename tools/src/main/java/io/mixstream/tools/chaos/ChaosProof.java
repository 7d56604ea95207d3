package io.mixstream.tools.chaos;

import com.google.gson.JsonObject;
import io.mixstream.config.TrainingConfig;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.kafka.TopicReader;
import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.tools.chaos.ChaosResult.Kill;
import io.mixstream.tools.cluster.FlinkRest;
import io.mixstream.tools.fuzz.HostileStream;
import io.mixstream.train.LearningRateSchedule;
import io.mixstream.train.TrainedDigest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The proof of a chaos run, from the two runs' own outputs: the final states' fingerprints, the
 * trained digests against the replayed stream's, every step's last loss, the dead letters and the
 * snapshot files, bit for bit.
 */
final class ChaosProof {
  private static final int BATCH = ChaosPlan.BATCH;

  private final ChaosPlan plan;
  private final LocalKafkaBroker broker;
  private final FlinkRest rest;

  ChaosProof(ChaosPlan plan, LocalKafkaBroker broker, FlinkRest rest) {
    this.plan = plan;
    this.broker = broker;
    this.rest = rest;
  }

  /**
   * @param chaos the disturbed run's job id
   * @param training what both runs trained
   * @param sent what the stream held
   * @param steps the steps the stream's valid images make without a buffer
   */
  ChaosResult prove(
      String chaos,
      TrainingConfig training,
      HostileStream.Sent sent,
      int steps,
      List<Kill> kills,
      boolean brokerRestarted,
      double referenceSeconds,
      double chaosSeconds)
      throws Exception {
    Outputs ref = outputs("reference-metrics");
    Outputs run = outputs("chaos-metrics");
    Expected expected = expected(training, sent, steps, ref);
    DeadLetterCheck dead = deadLetters(sent);
    SnapshotCheck snapshots = snapshots();
    JsonObject history = rest.get("/jobs/" + chaos + "/exceptions?maxExceptions=1000");
    long restarts = history.getAsJsonObject("exceptionHistory").getAsJsonArray("entries").size();
    return new ChaosResult(
        plan,
        expected.steps,
        sent,
        kills,
        brokerRestarted,
        restarts,
        ref.end == null ? null : ref.end.stateSha256(),
        run.end == null ? null : run.end.stateSha256(),
        expected.digest,
        digest(ref.end),
        digest(run.end),
        differingSteps(ref, run, expected.steps),
        run.stepRecords,
        dead.missing,
        dead.withoutReason,
        snapshots.files,
        snapshots.bad,
        snapshots.leftovers,
        referenceSeconds,
        chaosSeconds);
  }

  /** The steps both runs should have made and the digest of what they should have trained. */
  private record Expected(int steps, TrainedDigest digest) {}

  private static Expected expected(
      TrainingConfig training, HostileStream.Sent sent, int steps, Outputs ref) {
    int valid = sent.validIds().size();
    if (training.buffer().on()) {
      // which images a buffer trains depends on the training (minred's features), so the sum is
      // the undisturbed run's; the count is every step's batch: U steps per B arrivals, and the
      // last partial batch's ⌊r·U/B⌋
      int u = training.buffer().updatesPerBatch();
      int stepsDone = (valid / BATCH) * u + (valid % BATCH) * u / BATCH;
      return new Expected(
          stepsDone, new TrainedDigest(digest(ref.end).sum(), (long) stepsDone * BATCH));
    }
    LearningRateSchedule schedule = LearningRateSchedule.of(training);
    TrainedDigest digest = new TrainedDigest();
    for (int i = 0; i < valid; i++) {
      digest.add(sent.validIds().get(i), schedule.epochOf(i / BATCH));
    }
    return new Expected(steps, digest);
  }

  /** Steps 1..{@code steps} whose last loss differs bit for bit between the runs, or is missing. */
  private static List<Long> differingSteps(Outputs ref, Outputs run, int steps) {
    List<Long> differing = new ArrayList<>();
    for (long s = 1; s <= steps; s++) {
      Double a = ref.lastLoss.get(s);
      Double b = run.lastLoss.get(s);
      if (a == null
          || b == null
          || Double.doubleToRawLongBits(a) != Double.doubleToRawLongBits(b)) {
        differing.add(s);
      }
    }
    return differing;
  }

  /** Refused records absent from the dead-letter topic, and dead letters without a reason. */
  private record DeadLetterCheck(List<Long> missing, List<Long> withoutReason) {}

  private DeadLetterCheck deadLetters(HostileStream.Sent sent) {
    Map<Long, String> dead =
        HostileStream.deadLettered(broker, "chaos-dead", sent.invalidOffsets().size());
    return new DeadLetterCheck(
        sent.invalidOffsets().stream().filter(o -> !dead.containsKey(o)).sorted().toList(),
        dead.entrySet().stream()
            .filter(e -> e.getValue().isEmpty())
            .map(Map.Entry::getKey)
            .sorted()
            .toList());
  }

  /** The disturbed run's snapshot files, those that do not load or differ, the .tmp leftovers. */
  private record SnapshotCheck(int files, List<String> bad, int leftovers) {}

  private SnapshotCheck snapshots() throws java.io.IOException {
    int files = 0;
    int leftovers = 0;
    List<String> bad = new ArrayList<>();
    Path chaosSnapshots = plan.work().resolve("chaos-snapshots");
    Path refSnapshots = plan.work().resolve("reference-snapshots");
    try (var walk = Files.walk(chaosSnapshots)) {
      for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".tmp")) {
          leftovers++;
        } else if (name.endsWith(".safetensors")) {
          files++;
          Path twin = refSnapshots.resolve(chaosSnapshots.relativize(f));
          try {
            byte[] bytes = Files.readAllBytes(f);
            EncoderSnapshot.fromSafetensors(bytes);
            if (!Files.exists(twin) || !java.util.Arrays.equals(bytes, Files.readAllBytes(twin))) {
              bad.add(f + " (not the undisturbed run's file)");
            }
          } catch (IllegalArgumentException e) {
            bad.add(f + " (" + e.getMessage() + ")");
          }
        }
      }
    }
    return new SnapshotCheck(files, bad, leftovers);
  }

  private static TrainedDigest digest(MetricsRecord.Final end) {
    return end == null
        ? new TrainedDigest()
        : new TrainedDigest(end.trainedDigestSum(), end.trainedDigestCount());
  }

  /** A run's metrics topic: the last loss of each step, and its final state. */
  private static final class Outputs {
    final Map<Long, Double> lastLoss = new TreeMap<>();
    MetricsRecord.Final end;
    long stepRecords;
  }

  private Outputs outputs(String topic) {
    Outputs o = new Outputs();
    try (TopicReader r = new TopicReader(broker.bootstrapServers(), Map.of(), topic, "the job")) {
      for (byte[] v : r.readAll(Duration.ofMinutes(2))) {
        MetricsRecord m = MetricsCodec.decode(new String(v, StandardCharsets.UTF_8));
        if (m instanceof MetricsRecord.Train t) {
          o.lastLoss.put(t.step(), t.loss()); // a step done again after a restore: the last
          o.stepRecords++;
        } else if (m instanceof MetricsRecord.Final f) {
          o.end = f;
        }
      }
    }
    return o;
  }
}

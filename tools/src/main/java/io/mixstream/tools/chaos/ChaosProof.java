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

    LearningRateSchedule schedule = LearningRateSchedule.of(training);
    TrainedDigest expected = new TrainedDigest();
    int stepsDone = steps;
    int valid = sent.validIds().size();
    if (!training.buffer().on()) {
      for (int i = 0; i < valid; i++) {
        expected.add(sent.validIds().get(i), schedule.epochOf(i / BATCH));
      }
    } else {
      // which images a buffer trains depends on the training (minred's features), so the sum is
      // the undisturbed run's; the count is every step's batch: U steps per B arrivals, and the
      // last partial batch's ⌊r·U/B⌋
      int u = training.buffer().updatesPerBatch();
      stepsDone = (valid / BATCH) * u + (valid % BATCH) * u / BATCH;
      expected = new TrainedDigest(digest(ref.end).sum(), (long) stepsDone * BATCH);
    }

    List<Long> differing = new ArrayList<>();
    for (long s = 1; s <= stepsDone; s++) {
      Double a = ref.lastLoss.get(s);
      Double b = run.lastLoss.get(s);
      if (a == null
          || b == null
          || Double.doubleToRawLongBits(a) != Double.doubleToRawLongBits(b)) {
        differing.add(s);
      }
    }

    Map<Long, String> dead =
        HostileStream.deadLettered(broker, "chaos-dead", sent.invalidOffsets().size());
    List<Long> missing =
        sent.invalidOffsets().stream().filter(o -> !dead.containsKey(o)).sorted().toList();
    List<Long> noReason =
        dead.entrySet().stream()
            .filter(e -> e.getValue().isEmpty())
            .map(Map.Entry::getKey)
            .sorted()
            .toList();

    int snapshots = 0;
    int leftovers = 0;
    List<String> bad = new ArrayList<>();
    Path chaosSnapshots = plan.work().resolve("chaos-snapshots");
    Path refSnapshots = plan.work().resolve("reference-snapshots");
    try (var files = Files.walk(chaosSnapshots)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".tmp")) {
          leftovers++;
        } else if (name.endsWith(".safetensors")) {
          snapshots++;
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

    JsonObject history = rest.get("/jobs/" + chaos + "/exceptions?maxExceptions=1000");
    long restarts = history.getAsJsonObject("exceptionHistory").getAsJsonArray("entries").size();
    return new ChaosResult(
        plan,
        stepsDone,
        sent,
        kills,
        brokerRestarted,
        restarts,
        ref.end == null ? null : ref.end.stateSha256(),
        run.end == null ? null : run.end.stateSha256(),
        expected,
        digest(ref.end),
        digest(run.end),
        differing,
        run.stepRecords,
        missing,
        noReason,
        snapshots,
        bad,
        leftovers,
        referenceSeconds,
        chaosSeconds);
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

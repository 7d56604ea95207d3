package io.mixstream.tools.fuzz;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.JobConfig;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.MixstreamJob;
import io.mixstream.job.training.StepResult;
import io.mixstream.kafka.LocalKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Fuzzed records mixed with valid CIFAR-10 images through the real training job (one partition,
 * restarts off, so anything that throws ends the run), then every record accounted for from the
 * job's own outputs: each one the codec calls valid trained exactly once (the steps' image ids),
 * each other one on the dead-letter topic (its source offset).
 */
public final class FuzzRun {
  /**
   * What happened.
   *
   * @param records everything sent
   * @param fuzzed the hostile ones among them, by kind
   * @param fuzzedValid hostile records that the codec accepts (trained, as they should be)
   * @param valid records the codec accepts, plain and fuzzed
   * @param trainedWrongly valid ids trained a number of times other than sent, and ids trained that
   *     were never sent valid (empty when all is well)
   * @param notDeadLettered offsets of invalid records missing from the dead-letter topic
   * @param deadLetteredValid offsets on the dead-letter topic of records the codec accepts
   * @param steps training steps
   * @param validPerSecond valid images trained a second, from the first step to the last
   */
  public record Result(
      long records,
      Map<RecordFuzzer.Kind, Long> fuzzed,
      long fuzzedValid,
      long valid,
      List<String> trainedWrongly,
      List<Long> notDeadLettered,
      List<Long> deadLetteredValid,
      long steps,
      double validPerSecond) {
    public boolean accountedFor() {
      return trainedWrongly.isEmpty() && notDeadLettered.isEmpty() && deadLetteredValid.isEmpty();
    }
  }

  private FuzzRun() {}

  /**
   * @param fuzzed hostile records; one in {@code fuzzedEvery} records is one (the rest valid)
   * @param training the model (a narrow one: the run is about the stream)
   */
  public static Result run(
      LocalKafkaBroker broker,
      Path work,
      Cifar10Dataset cifar,
      int fuzzed,
      int fuzzedEvery,
      TrainingConfig training,
      long seed)
      throws Exception {
    String topic = "fuzz-" + seed;
    HostileStream.Sent sent =
        HostileStream.send(broker, topic, cifar, fuzzed, fuzzedEvery, training.batchSize(), seed);
    Map<String, Integer> validIds = new TreeMap<>();
    sent.validIds().forEach(id -> validIds.merge(id, 1, Integer::sum));
    Set<Long> invalidOffsets = sent.invalidOffsets();

    JobConfig.Builder j = JobConfig.defaults(training, work.resolve("checkpoints")).toBuilder();
    j.bootstrapServers = broker.bootstrapServers();
    j.imagesTopic = topic;
    j.deadLetterTopic = topic + "-dead";
    j.groupId = topic;
    j.device = "cpu";
    j.bounded = true;
    j.checkpointInterval = Duration.ofSeconds(2);
    j.evaluation = EvaluationConfig.off(work.resolve("snapshots"));
    JobConfig c = j.build();
    Configuration conf = MixstreamJob.flinkConfiguration(c);
    conf.setString("restart-strategy.type", "none"); // a record that throws ends the run
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(1);
    List<StepResult> steps = new ArrayList<>();
    try (var it = MixstreamJob.build(env, c).executeAndCollect("fuzz " + topic)) {
      it.forEachRemaining(steps::add);
    }

    Map<String, Integer> trained = new TreeMap<>();
    for (StepResult s : steps) {
      for (String id : s.imageIds) {
        trained.merge(id, 1, Integer::sum);
      }
    }
    List<String> wrong = new ArrayList<>();
    Set<String> all = new HashSet<>(validIds.keySet());
    all.addAll(trained.keySet());
    for (String id : all) {
      int want = validIds.getOrDefault(id, 0);
      int got = trained.getOrDefault(id, 0);
      if (want != got) {
        wrong.add("%s sent valid %d times, trained %d".formatted(id, want, got));
      }
    }
    Set<Long> dead =
        HostileStream.deadLettered(broker, c.deadLetterTopic(), invalidOffsets.size()).keySet();
    List<Long> missing = invalidOffsets.stream().filter(o -> !dead.contains(o)).sorted().toList();
    List<Long> extra = dead.stream().filter(o -> !invalidOffsets.contains(o)).sorted().toList();
    long validTotal = validIds.values().stream().mapToLong(Integer::longValue).sum();
    double seconds =
        steps.size() < 2
            ? Double.NaN
            : (steps.get(steps.size() - 1).wallMillis - steps.get(0).wallMillis) / 1e3;
    double rate = (steps.size() - 1) * (double) training.batchSize() / seconds;
    return new Result(
        sent.records(),
        sent.fuzzed(),
        sent.fuzzedValid(),
        validTotal,
        wrong,
        missing,
        extra,
        steps.size(),
        rate);
  }
}

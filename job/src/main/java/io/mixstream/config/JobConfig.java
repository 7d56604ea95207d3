package io.mixstream.config;

import io.mixstream.kafka.KafkaClientProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the streaming job needs besides the learning hyperparameters.
 *
 * @param training the learning core's hyperparameters
 * @param bootstrapServers Kafka bootstrap servers
 * @param imagesTopic topic of image records
 * @param deadLetterTopic where malformed records go, with their reason
 * @param groupId Kafka consumer group of the source
 * @param kafkaProperties extra Kafka client settings for source and sink (security and the like)
 * @param modelKey the key of the model's keyed state; one key, one model
 * @param device auto, cpu, gpu or gpu:N (the one model's)
 * @param torchThreads libtorch's CPU threads for the trainer; 0 = one per core (how they share the
 *     cores with the evaluator: {@link io.mixstream.torch.TorchThreads})
 * @param checkpointInterval how often Flink checkpoints
 * @param checkpointDir where checkpoints go (a folder; RocksDB's local files go to a temp dir)
 * @param bounded stop at the offsets the topic has when the job starts (tests, benchmarks)
 * @param decodeParallelism parallel decoders upstream of the trainer
 * @param skipNonfiniteSteps steps in a row whose loss or gradient is not finite that a trainer
 *     skips (changing nothing) before it stops the job for good; 0 stops at the first
 * @param evaluation snapshots, the kNN evaluator and the embedding stream
 * @param models the models trained side by side, each on its own trainer subtask; empty = one
 *     model, {@code modelKey} with {@code training}, {@code device} and {@code torchThreads}
 */
public record JobConfig(
    TrainingConfig training,
    String bootstrapServers,
    String imagesTopic,
    String deadLetterTopic,
    String groupId,
    Map<String, String> kafkaProperties,
    String modelKey,
    String device,
    int torchThreads,
    Duration checkpointInterval,
    Path checkpointDir,
    boolean bounded,
    int decodeParallelism,
    int skipNonfiniteSteps,
    EvaluationConfig evaluation,
    List<ModelSpec> models) {

  public JobConfig {
    kafkaProperties = Map.copyOf(kafkaProperties);
    models = List.copyOf(models);
  }

  /** The models this job trains, in trainer-subtask order: {@code models}, or the one model. */
  public List<ModelSpec> trainers() {
    return models.isEmpty()
        ? List.of(new ModelSpec(modelKey, training, device, torchThreads))
        : models;
  }

  /** Local defaults: broker on 127.0.0.1:9092, topic images, checkpoints every 10 s. */
  public static JobConfig defaults(TrainingConfig training, Path checkpointDir) {
    return new JobConfig(
        training,
        "127.0.0.1:9092",
        "images",
        "images-dead-letters",
        "mixstream",
        Map.of(),
        "default",
        "auto",
        0,
        Duration.ofSeconds(10),
        checkpointDir,
        false,
        1,
        0,
        EvaluationConfig.defaults(checkpointDir.resolveSibling("mixstream-snapshots")),
        List.of());
  }

  /** This config with another evaluation part. */
  public JobConfig withEvaluation(EvaluationConfig e) {
    Builder b = toBuilder();
    b.evaluation = e;
    return b.build();
  }

  /** Every problem, each naming its option; empty when valid. */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    for (ModelSpec m : trainers()) {
      p.addAll(models.isEmpty() ? oneModelProblems(m) : m.problems());
    }
    p.addAll(modelSetProblems());
    p.addAll(evaluation.problems());
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      p.add("bootstrap-servers must name at least one HOST:PORT");
    }
    if (imagesTopic == null || imagesTopic.isBlank()) {
      p.add("images-topic must be set");
    }
    if (deadLetterTopic == null
        || deadLetterTopic.isBlank()
        || deadLetterTopic.equals(imagesTopic)) {
      p.add("dead-letter-topic must be set and differ from images-topic");
    }
    if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
      p.add("checkpoint-interval must be positive");
    }
    if (decodeParallelism < 1) {
      p.add("decode-parallelism must be at least 1");
    }
    if (skipNonfiniteSteps < 0) {
      p.add("skip-nonfinite-steps must be 0 (stop at the first) or more");
    }
    return p;
  }

  /** The one model's problems, named by the job's own options (--model-key, --device, ...). */
  private static List<String> oneModelProblems(ModelSpec m) {
    List<String> p = new ArrayList<>(m.training().problems());
    if (!ModelSpec.validKey(m.key())) {
      p.add("model-key '%s' %s".formatted(m.key(), ModelSpec.KEY_RULE));
    }
    if (!ModelSpec.validDevice(m.device())) {
      p.add("device must be auto, cpu, gpu or gpu:N, got '" + m.device() + "'");
    }
    if (m.torchThreads() < 0) {
      p.add("torch-threads must be 0 (one per core) or more");
    }
    return p;
  }

  /** What the models of one job must share, and their keys told apart. */
  private List<String> modelSetProblems() {
    List<String> p = new ArrayList<>();
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (ModelSpec m : models) {
      if (!keys.add(m.key())) {
        p.add("models: '" + m.key() + "' is named twice; each model needs its own key");
      }
    }
    List<Integer> sizes =
        trainers().stream().map(m -> m.training().model().imageSize()).distinct().toList();
    if (sizes.size() > 1) {
      p.add(
          "models: every model of one job takes the same image-size (the kNN sets are stored"
              + " once, at that size), got "
              + sizes
              + "; run models of another size in a job of their own");
    }
    return p;
  }

  /**
   * @throws IllegalArgumentException listing every problem
   */
  public JobConfig validate() {
    List<String> p = problems();
    if (!p.isEmpty()) {
      throw new IllegalArgumentException("invalid job config: " + String.join("; ", p));
    }
    return this;
  }

  /** The effective configuration, secrets masked, for printing once at start. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("bootstrapServers", bootstrapServers);
    m.put("imagesTopic", imagesTopic);
    m.put("deadLetterTopic", deadLetterTopic);
    m.put("groupId", groupId);
    m.put("kafkaProperties", KafkaClientProperties.masked(kafkaProperties));
    m.put("modelKey", modelKey);
    m.put("device", device);
    m.put("torchThreads", torchThreads);
    m.put("checkpointInterval", checkpointInterval);
    m.put("checkpointDir", checkpointDir);
    m.put("bounded", bounded);
    m.put("decodeParallelism", decodeParallelism);
    m.put("skipNonfiniteSteps", skipNonfiniteSteps);
    m.put("evaluation", evaluation.asMap());
    if (models.isEmpty()) {
      m.put("training", training.asMap());
    } else {
      m.put("training (shared by the models)", training.asMap());
      List<Map<String, Object>> each = new ArrayList<>();
      for (ModelSpec s : models) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("key", s.key());
        d.put("device", s.device());
        d.put("torchThreads", s.torchThreads());
        Map<String, Object> shared = training.asMap();
        s.training()
            .asMap()
            .forEach(
                (k, v) -> {
                  if (!java.util.Objects.equals(shared.get(k), v)) {
                    d.put(k, v);
                  }
                });
        each.add(d);
      }
      m.put("models (trainer subtask 0, 1, ...; what differs from the shared training)", each);
    }
    return m;
  }

  /** This config as a builder, to change some values by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Named values for a {@link JobConfig}: start from {@code defaults(...)} or another config, set
   * what differs, {@link #build()}.
   */
  public static final class Builder {
    public TrainingConfig training;
    public String bootstrapServers;
    public String imagesTopic;
    public String deadLetterTopic;
    public String groupId;
    public Map<String, String> kafkaProperties;
    public String modelKey;
    public String device;
    public int torchThreads;
    public Duration checkpointInterval;
    public Path checkpointDir;
    public boolean bounded;
    public int decodeParallelism;
    public int skipNonfiniteSteps;
    public EvaluationConfig evaluation;
    public List<ModelSpec> models;

    private Builder(JobConfig c) {
      training = c.training;
      bootstrapServers = c.bootstrapServers;
      imagesTopic = c.imagesTopic;
      deadLetterTopic = c.deadLetterTopic;
      groupId = c.groupId;
      kafkaProperties = c.kafkaProperties;
      modelKey = c.modelKey;
      device = c.device;
      torchThreads = c.torchThreads;
      checkpointInterval = c.checkpointInterval;
      checkpointDir = c.checkpointDir;
      bounded = c.bounded;
      decodeParallelism = c.decodeParallelism;
      skipNonfiniteSteps = c.skipNonfiniteSteps;
      evaluation = c.evaluation;
      models = c.models;
    }

    public JobConfig build() {
      return new JobConfig(
          training,
          bootstrapServers,
          imagesTopic,
          deadLetterTopic,
          groupId,
          kafkaProperties,
          modelKey,
          device,
          torchThreads,
          checkpointInterval,
          checkpointDir,
          bounded,
          decodeParallelism,
          skipNonfiniteSteps,
          evaluation,
          models);
    }
  }
}

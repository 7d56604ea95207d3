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
 * @param device auto, cpu or gpu
 * @param torchThreads libtorch's CPU threads for the trainer; 0 = one per core (how they share the
 *     cores with the evaluator: {@link io.mixstream.torch.TorchThreads})
 * @param checkpointInterval how often Flink checkpoints
 * @param checkpointDir where checkpoints go (a folder; RocksDB's local files go to a temp dir)
 * @param bounded stop at the offsets the topic has when the job starts (tests, benchmarks)
 * @param decodeParallelism parallel decoders upstream of the trainer
 * @param evaluation snapshots, the kNN evaluator and the embedding stream
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
    EvaluationConfig evaluation) {

  public JobConfig {
    kafkaProperties = Map.copyOf(kafkaProperties);
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
        EvaluationConfig.defaults(checkpointDir.resolveSibling("mixstream-snapshots")));
  }

  /** This config with another evaluation part. */
  public JobConfig withEvaluation(EvaluationConfig e) {
    Builder b = toBuilder();
    b.evaluation = e;
    return b.build();
  }

  /** Every problem, each naming its option; empty when valid. */
  public List<String> problems() {
    List<String> p = new ArrayList<>(training.problems());
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
    if (modelKey == null || modelKey.isBlank()) {
      p.add("model-key must be set");
    }
    if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
      p.add("checkpoint-interval must be positive");
    }
    if (device == null || !List.of("auto", "cpu", "gpu").contains(device)) {
      p.add("device must be auto, cpu or gpu, got '" + device + "'");
    }
    if (torchThreads < 0) {
      p.add("torch-threads must be 0 (one per core) or more");
    }
    if (decodeParallelism < 1) {
      p.add("decode-parallelism must be at least 1");
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
    m.put("evaluation", evaluation.asMap());
    m.put("training", training.asMap());
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
    public EvaluationConfig evaluation;

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
      evaluation = c.evaluation;
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
          evaluation);
    }
  }
}

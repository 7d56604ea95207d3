package io.mixstream.config;

import io.mixstream.kafka.KafkaClientProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the streaming job needs besides the learning hyperparameters ({@code training}); the
 * snapshots and the kNN monitor are {@code evaluation}, the models trained side by side {@code
 * models} (empty = one model, {@code modelKey} with {@code training}, {@code device} and {@code
 * torchThreads}). Each option is declared once, in {@link Builder}.
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
    Builder b = new Builder();
    b.training = training;
    b.checkpointDir = checkpointDir;
    b.evaluation = EvaluationConfig.defaults(checkpointDir.resolveSibling("mixstream-snapshots"));
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
    p.addAll(OptionTable.problems(toBuilder()));
    if (bootstrapServers != null && bootstrapServers.isBlank()) {
      p.add("bootstrap-servers must name at least one HOST:PORT");
    }
    if (imagesTopic != null && imagesTopic.isBlank()) {
      p.add("images-topic must not be empty");
    }
    if (deadLetterTopic != null
        && (deadLetterTopic.isBlank() || deadLetterTopic.equals(imagesTopic))) {
      p.add("dead-letter-topic must be set and differ from images-topic");
    }
    if (checkpointInterval != null
        && (checkpointInterval.isNegative() || checkpointInterval.isZero())) {
      p.add("checkpoint-interval must be positive");
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
    OptionTable.refuseAny(problems(), "job config");
    return this;
  }

  /** The effective configuration, secrets masked, for printing once at start. */
  public Map<String, Object> describe() {
    Map<String, Object> m = OptionTable.asMap(this);
    m.remove("training"); // said below, with the models
    m.remove("models");
    m.put("kafkaProperties", KafkaClientProperties.masked(kafkaProperties));
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
   * The job's options, each declared once: its name, type and default here, what it means and its
   * range in its {@link Option}. Start from {@code defaults(...)} or another config, set what
   * differs, {@link #build()}.
   */
  public static final class Builder {
    /** The learning core's hyperparameters (their options are {@link TrainingConfig.Builder}'s). */
    public TrainingConfig training;

    @Option("Kafka bootstrap servers")
    public String bootstrapServers = "127.0.0.1:9092";

    @Option("topic of image records")
    public String imagesTopic = "images";

    @Option("where malformed records go, with their reason")
    public String deadLetterTopic = "images-dead-letters";

    @Option("Kafka consumer group of the source")
    public String groupId = "mixstream";

    /** Extra Kafka client settings for source and sink: {@code --kafka.KEY VALUE}. */
    public Map<String, String> kafkaProperties = Map.of();

    @Option("the key of the model's keyed state (its name in metrics and snapshots); one model")
    public String modelKey = "default";

    @Option("auto, cpu, gpu or gpu:N (the one model's; auto and gpu: trainer i on GPU i mod count)")
    public String device = "auto";

    // its range is checked per model (ModelSpec), where --model.KEY.torch-threads may override it
    @Option(
        "libtorch's CPU threads for the trainer; 0 = one per core (how they share the cores with"
            + " the evaluator: TorchThreads)")
    public int torchThreads = 0;

    @Option("how often Flink checkpoints")
    public Duration checkpointInterval = Duration.ofSeconds(10);

    @Option("where checkpoints go (a folder; RocksDB's local files go to a temp dir)")
    public Path checkpointDir;

    @Option("stop at the offsets the topic has when the job starts (tests, benchmarks)")
    public boolean bounded = false;

    @Option(value = "parallel decoders upstream of the trainer", min = 1)
    public int decodeParallelism = 1;

    @Option(
        value =
            "steps in a row whose loss or gradient is not finite that a trainer skips (changing"
                + " nothing) before it stops the job for good; 0 stops at the first",
        min = 0,
        range = "0 (stop at the first) or more")
    public int skipNonfiniteSteps = 0;

    /** Snapshots, the kNN evaluator and the embedding stream ({@link EvaluationConfig.Builder}). */
    public EvaluationConfig evaluation;

    /** The models trained side by side, each on its own trainer subtask: {@code --models}. */
    public List<ModelSpec> models = List.of();

    private Builder() {}

    private Builder(JobConfig c) {
      OptionTable.fill(this, c);
    }

    public JobConfig build() {
      return OptionTable.build(JobConfig.class, this);
    }
  }
}

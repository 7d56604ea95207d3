package io.mixstream.config;

import io.mixstream.records.EmbeddingCodec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Snapshots, the kNN monitor of ALGORITHM.md §2, the label-free measures of §17 and the embedding
 * stream. Each option is declared once, in {@link Builder}.
 */
public record EvaluationConfig(
    int evalEvery,
    String knnBankTopic,
    String knnTestTopic,
    int knnBankSize,
    int knnTestSize,
    int knnK,
    double knnTemperature,
    int knnClasses,
    String metricsTopic,
    String embeddingsTopic,
    EmbeddingCodec.Format embeddingsFormat,
    boolean embedIncoming,
    int evalThreads,
    Path snapshotDir,
    int keepSnapshots,
    int keepSnapshotsEvery,
    int qualityEvery,
    int qualityWindow,
    double collapseStd,
    double collapseRank) {

  /** §2's protocol on the full sets (50,000 bank, 10,000 test), every 100 steps. */
  public static EvaluationConfig defaults(Path snapshotDir) {
    Builder b = new Builder();
    b.snapshotDir = snapshotDir;
    return b.build();
  }

  /** The newest snapshots kept of each model: {@code keepSnapshots} with -1 resolved; 0 = all. */
  public int snapshotsKept(boolean bounded) {
    return keepSnapshots >= 0 ? keepSnapshots : bounded ? 0 : 20;
  }

  /** No snapshots, no evaluation, no embeddings. */
  public static EvaluationConfig off(Path snapshotDir) {
    Builder b = defaults(snapshotDir).toBuilder();
    b.evalEvery = 0;
    b.knnBankSize = 0;
    b.knnTestSize = 0;
    b.qualityEvery = 0;
    return b.build();
  }

  /** Steps between the label-free measures: {@code qualityEvery}, or evalEvery for -1; 0 = off. */
  public int qualityEverySteps() {
    return qualityEvery < 0 ? evalEvery : qualityEvery;
  }

  public boolean evaluates() {
    return evalEvery > 0 && knnBankSize > 0;
  }

  /** Every problem, each naming its option; empty when valid. */
  public List<String> problems() {
    List<String> p = OptionTable.problems(toBuilder());
    if (knnBankSize > 0 && knnTestSize == 0) {
      p.add("knn-test-size must be positive when knn-bank-size is (knn-bank-size 0 turns kNN off)");
    }
    if (evaluates() && knnBankTopic != null && knnBankTopic.equals(knnTestTopic)) {
      p.add("knn-bank-topic and knn-test-topic must differ");
    }
    for (String topic : List.of(knnBankTopic, knnTestTopic, metricsTopic, embeddingsTopic)) {
      if (topic != null && topic.isBlank()) {
        p.add("the knn-*-topic, metrics-topic and embeddings-topic options must not be empty");
        break;
      }
    }
    return p;
  }

  public Map<String, Object> asMap() {
    return OptionTable.asMap(this);
  }

  /** This config as a builder, to change some values by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The evaluation's options, each declared once: its name, type and default here, what it means
   * and its range in its {@link Option}. Start from {@code defaults(...)} or another config, set
   * what differs, {@link #build()}.
   */
  public static final class Builder {
    @Option(
        value =
            "steps between encoder snapshots (each written to snapshot-dir, evaluated and"
                + " embedded); step 0 (the random-init floor) and the end of a bounded run are"
                + " included; 0 turns all of it off",
        min = 0,
        range = "0 (off) or a number of steps")
    public int evalEvery = 100;

    @Option("topic of the kNN memory bank images (training images, no augmentation)")
    public String knnBankTopic = "knn-bank";

    @Option("topic of the kNN test images")
    public String knnTestTopic = "knn-test";

    @Option(
        value =
            "bank images the evaluator takes (the first distinct ids to arrive); 0 = no evaluator",
        min = 0)
    public int knnBankSize = 50_000;

    @Option(value = "test images the evaluator takes", min = 0)
    public int knnTestSize = 10_000;

    @Option(value = "neighbours that vote", min = 1)
    public int knnK = 200;

    @Option(value = "t of the votes' weights exp(s/t)", min = 0, minExclusive = true)
    public double knnTemperature = 0.1;

    @Option(
        value =
            "labels of the bank and test images are 0 to knn-classes - 1 (CIFAR-10's 10); the"
                + " training images' labels are not read",
        min = 1,
        max = Short.MAX_VALUE,
        range = "1 to 32767")
    public int knnClasses = 10;

    @Option("where each kNN result and the trainers' gauges go, as JSON")
    public String metricsTopic = "metrics";

    @Option("where the evaluation images' embeddings go at each evaluation")
    public String embeddingsTopic = "embeddings";

    @Option("binary (compact) or json (one object per record)")
    public EmbeddingCodec.Format embeddingsFormat = EmbeddingCodec.Format.BINARY;

    @Option(
        "at each snapshot step, also send the embeddings of that step's training images (before"
            + " augmentation) to the embeddings topic")
    public boolean embedIncoming = false;

    @Option(
        value =
            "libtorch's CPU threads for each kNN evaluation, which runs on a thread of its own"
                + " (TorchThreads); 0 = one per core",
        min = 0,
        range = "0 (one per core) or more")
    public int evalThreads = 0;

    @Option("where snapshots go: DIR/MODEL-KEY/step-NNNNNNNN.safetensors and .json")
    public Path snapshotDir;

    @Option(
        value =
            "the newest snapshots of each model kept on disk, older ones deleted as new ones come"
                + " (besides those of keep-snapshots-every); -1 = 20 for a job without end, all for"
                + " a bounded one; 0 = all",
        min = -1,
        range = "-1 (20 without end, all when bounded), 0 (all) or more")
    public int keepSnapshots = -1;

    @Option(
        value = "also keep, for good, each snapshot whose step is a multiple of this; 0 = none",
        min = 0,
        range = "0 (none) or more")
    public int keepSnapshotsEvery = 10_000;

    @Option(
        value =
            "steps between the label-free measures of §17 (RankMe, alignment, uniformity,"
                + " embedding std) on the window of recent images; -1 = eval-every, 0 = off. They"
                + " need no labels and run with the kNN evaluator off",
        min = -1,
        range = "-1 (as eval-every), 0 (off) or a number of steps")
    public int qualityEvery = -1;

    @Option(value = "W, the last images to arrive that each trainer keeps for them", min = 2)
    public int qualityWindow = 2048;

    @Option(
        value = "a reading says collapse when the embedding std is under this/√d",
        min = 0,
        max = 1,
        range = "in [0,1] (a fraction of 1/sqrt(d))")
    public double collapseStd = 0.25;

    @Option(
        value = "or when RankMe is under this·d; three such readings in a row are a collapse",
        min = 0,
        max = 1,
        range = "in [0,1] (a fraction of d)")
    public double collapseRank = 0.01;

    private Builder() {}

    private Builder(EvaluationConfig c) {
      OptionTable.fill(this, c);
    }

    public EvaluationConfig build() {
      return OptionTable.build(EvaluationConfig.class, this);
    }
  }
}

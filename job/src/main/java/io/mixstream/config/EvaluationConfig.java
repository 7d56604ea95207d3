package io.mixstream.config;

import io.mixstream.records.EmbeddingCodec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Snapshots, the kNN monitor of ALGORITHM.md §2 and the embedding stream.
 *
 * @param evalEvery steps between encoder snapshots (each one is written to {@code snapshotDir},
 *     evaluated and embedded); step 0 (the random-init floor) and the end of a bounded run are
 *     included; 0 turns all of it off
 * @param knnBankTopic topic of the kNN memory bank images (training images, no augmentation)
 * @param knnTestTopic topic of the kNN test images
 * @param knnBankSize bank images the evaluator takes (the first distinct ids to arrive); 0 = no
 *     evaluator
 * @param knnTestSize test images the evaluator takes
 * @param knnK neighbours that vote (200)
 * @param knnTemperature t of the votes' weights exp(s/t) (0.1)
 * @param knnClasses labels of the bank and test images are 0 to knnClasses-1 (10, CIFAR-10's); the
 *     training images' labels are not read
 * @param metricsTopic where each kNN result goes, as JSON
 * @param embeddingsTopic where the evaluation images' embeddings go at each evaluation
 * @param embeddingsFormat binary (compact) or json (one object per record)
 * @param embedIncoming at each snapshot step, also send the embeddings of that step's training
 *     images (before augmentation) to the embeddings topic
 * @param evalThreads libtorch's CPU threads for each kNN evaluation, which runs on a thread of its
 *     own (see {@link io.mixstream.torch.TorchThreads}); 0 = one per core
 * @param snapshotDir where snapshots go: DIR/MODEL-KEY/step-NNNNNNNN.safetensors and .json
 * @param keepSnapshots the newest snapshots of each model kept on disk, older ones deleted as new
 *     ones come (besides those of keepSnapshotsEvery); -1 = 20 for a job without end, all for a
 *     bounded one; 0 = all
 * @param keepSnapshotsEvery also keep, for good, each snapshot whose step is a multiple of this
 *     (10,000); 0 = none
 * @param qualityEvery steps between the label-free measures of docs/ALGORITHM.md §17 (RankMe,
 *     alignment, uniformity, embedding std) on the window of recent images; -1 = eval-every, 0 =
 *     off. They need no labels and run with the kNN evaluator off
 * @param qualityWindow W, the last images to arrive that each trainer keeps for them (2,048)
 * @param collapseStd a reading says collapse when the embedding std is under collapseStd/√d (0.25)
 * @param collapseRank or when RankMe is under collapseRank·d (0.01); three such readings in a row
 *     are a collapse
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
    return new EvaluationConfig(
        100,
        "knn-bank",
        "knn-test",
        50_000,
        10_000,
        200,
        0.1,
        10,
        "metrics",
        "embeddings",
        EmbeddingCodec.Format.BINARY,
        false,
        0,
        snapshotDir,
        -1,
        10_000,
        -1,
        2048,
        0.25,
        0.01);
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
    List<String> p = new ArrayList<>();
    if (evalEvery < 0) {
      p.add("eval-every must be 0 (off) or a number of steps");
    }
    if (knnBankSize < 0 || knnTestSize < 0 || (knnBankSize > 0 && knnTestSize == 0)) {
      p.add("knn-bank-size and knn-test-size must be positive (knn-bank-size 0 turns kNN off)");
    }
    if (knnK < 1) {
      p.add("knn-k must be at least 1");
    }
    if (knnClasses < 1 || knnClasses > Short.MAX_VALUE) {
      p.add("knn-classes must be 1 to 32767, got " + knnClasses);
    }
    if (!(knnTemperature > 0)) {
      p.add("knn-temperature must be positive");
    }
    if (evaluates() && knnBankTopic.equals(knnTestTopic)) {
      p.add("knn-bank-topic and knn-test-topic must differ");
    }
    for (String topic : List.of(knnBankTopic, knnTestTopic, metricsTopic, embeddingsTopic)) {
      if (topic == null || topic.isBlank()) {
        p.add("the knn-*-topic, metrics-topic and embeddings-topic options must not be empty");
        break;
      }
    }
    if (evalThreads < 0) {
      p.add("eval-threads must be 0 (one per core) or more");
    }
    if (snapshotDir == null) {
      p.add("snapshot-dir must be set");
    }
    if (keepSnapshots < -1) {
      p.add("keep-snapshots must be -1 (20 without end, all when bounded), 0 (all) or more");
    }
    if (keepSnapshotsEvery < 0) {
      p.add("keep-snapshots-every must be 0 (none) or more");
    }
    if (qualityEvery < -1) {
      p.add("quality-every must be -1 (as eval-every), 0 (off) or a number of steps");
    }
    if (qualityWindow < 2) {
      p.add("quality-window must be at least 2 images, got " + qualityWindow);
    }
    if (!(collapseStd >= 0 && collapseStd <= 1)) {
      p.add("collapse-std must be in [0,1] (a fraction of 1/sqrt(d)), got " + collapseStd);
    }
    if (!(collapseRank >= 0 && collapseRank <= 1)) {
      p.add("collapse-rank must be in [0,1] (a fraction of d), got " + collapseRank);
    }
    return p;
  }

  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    for (var c : EvaluationConfig.class.getRecordComponents()) {
      try {
        m.put(c.getName(), c.getAccessor().invoke(this));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return m;
  }

  /** This config as a builder, to change some values by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Named values for a {@link EvaluationConfig}: start from {@code defaults(...)} or another
   * config, set what differs, {@link #build()}.
   */
  public static final class Builder {
    public int evalEvery;
    public String knnBankTopic;
    public String knnTestTopic;
    public int knnBankSize;
    public int knnTestSize;
    public int knnK;
    public double knnTemperature;
    public int knnClasses;
    public String metricsTopic;
    public String embeddingsTopic;
    public EmbeddingCodec.Format embeddingsFormat;
    public boolean embedIncoming;
    public int evalThreads;
    public Path snapshotDir;
    public int keepSnapshots;
    public int keepSnapshotsEvery;
    public int qualityEvery;
    public int qualityWindow;
    public double collapseStd;
    public double collapseRank;

    private Builder(EvaluationConfig c) {
      evalEvery = c.evalEvery;
      knnBankTopic = c.knnBankTopic;
      knnTestTopic = c.knnTestTopic;
      knnBankSize = c.knnBankSize;
      knnTestSize = c.knnTestSize;
      knnK = c.knnK;
      knnTemperature = c.knnTemperature;
      knnClasses = c.knnClasses;
      metricsTopic = c.metricsTopic;
      embeddingsTopic = c.embeddingsTopic;
      embeddingsFormat = c.embeddingsFormat;
      embedIncoming = c.embedIncoming;
      evalThreads = c.evalThreads;
      snapshotDir = c.snapshotDir;
      keepSnapshots = c.keepSnapshots;
      keepSnapshotsEvery = c.keepSnapshotsEvery;
      qualityEvery = c.qualityEvery;
      qualityWindow = c.qualityWindow;
      collapseStd = c.collapseStd;
      collapseRank = c.collapseRank;
    }

    public EvaluationConfig build() {
      return new EvaluationConfig(
          evalEvery,
          knnBankTopic,
          knnTestTopic,
          knnBankSize,
          knnTestSize,
          knnK,
          knnTemperature,
          knnClasses,
          metricsTopic,
          embeddingsTopic,
          embeddingsFormat,
          embedIncoming,
          evalThreads,
          snapshotDir,
          keepSnapshots,
          keepSnapshotsEvery,
          qualityEvery,
          qualityWindow,
          collapseStd,
          collapseRank);
    }
  }
}

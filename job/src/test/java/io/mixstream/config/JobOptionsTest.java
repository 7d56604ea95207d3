package io.mixstream.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobOptionsTest {
  private static final Path CHECKPOINTS = Path.of("/tmp/cp");

  @Test
  void noOptionsGiveTheDocumentedDefaults() {
    JobConfig c = JobOptions.parse(new String[0], CHECKPOINTS);
    assertThat(c.training()).isEqualTo(TrainingConfig.defaults());
    assertThat(c.bootstrapServers()).isEqualTo("127.0.0.1:9092");
    assertThat(c.checkpointInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.checkpointDir()).isEqualTo(CHECKPOINTS);
  }

  @Test
  void flagsSetEveryKindOfOptionAndWinOverTheFile(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("job.properties");
    Files.writeString(
        file,
        "method=approach2\nbatch-size=128\nwidth=16\nbootstrap-servers=a:1\n"
            + "kafka.security.protocol=SASL_SSL\nkafka.sasl.jaas.config=secret\n");
    JobConfig c =
        JobOptions.parse(
            new String[] {
              "--config",
              file.toString(),
              "--batch-size",
              "64",
              "--cutmix-source",
              "reversed-batch",
              "--fixed-lambda=0.5",
              "--approach2-flip-trick",
              "false",
              "--checkpoint-interval",
              "500ms",
              "--kafka.ssl.truststore.location",
              "/x"
            },
            CHECKPOINTS);
    TrainingConfig t = c.training();
    assertThat(t.method()).isEqualTo(Method.APPROACH2);
    assertThat(t.batchSize()).isEqualTo(64); // the flag, not the file's 128
    assertThat(t.model().width()).isEqualTo(16);
    assertThat(t.mixing().cutmixSource()).isEqualTo(CutMixSource.REVERSED_BATCH);
    assertThat(t.mixing().fixedLambda()).isEqualTo(0.5);
    assertThat(t.mixing().approach2FlipTrick()).isFalse();
    assertThat(c.bootstrapServers()).isEqualTo("a:1");
    assertThat(c.checkpointInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.kafkaProperties())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("ssl.truststore.location", "/x");
    assertThat(c.describe().get("kafkaProperties").toString())
        .contains("sasl.jaas.config=******")
        .doesNotContain("secret");
  }

  @Test
  void badOptionsAreNamed() {
    assertThatThrownBy(() -> JobOptions.parse(new String[] {"--batch-sise", "64"}, CHECKPOINTS))
        .hasMessageContaining("unknown option(s) --batch-sise");
    assertThatThrownBy(() -> JobOptions.parse(new String[] {"--width", "wide"}, CHECKPOINTS))
        .hasMessageContaining("--width: cannot use 'wide'");
    assertThatThrownBy(() -> JobOptions.parse(new String[] {"--method", "simclear"}, CHECKPOINTS))
        .hasMessageContaining("unknown method 'simclear'")
        .hasMessageContaining("approach2")
        .hasMessageContaining("did you mean simclr?");
    assertThatThrownBy(() -> JobOptions.parse(new String[] {"--queue-size", "1000"}, CHECKPOINTS))
        .hasMessageContaining("queue-size 1000 must be a multiple of batch-size 512");
    assertThatThrownBy(() -> JobOptions.parse(new String[] {"--width"}, CHECKPOINTS))
        .hasMessageContaining("--width needs a value");
    assertThatThrownBy(
            () -> JobOptions.parse(new String[] {"--dead-letter-topic", "images"}, CHECKPOINTS))
        .hasMessageContaining("dead-letter-topic must be set and differ from images-topic");
    assertThatThrownBy(
            () -> JobOptions.parse(new String[] {"--embeddings-format", "xml"}, CHECKPOINTS))
        .hasMessageContaining(
            "--embeddings-format: cannot use 'xml' (expected one of [binary, json])");
    assertThatThrownBy(() -> JobOptions.parse(new String[] {"--knn-k", "0"}, CHECKPOINTS))
        .hasMessageContaining("knn-k must be at least 1");
    assertThatThrownBy(() -> JobOptions.parse(new String[] {"--torch-threads", "-1"}, CHECKPOINTS))
        .hasMessageContaining("torch-threads must be 0 (one per core) or more");
    assertThatThrownBy(() -> JobOptions.parse(new String[] {"--eval-threads", "-2"}, CHECKPOINTS))
        .hasMessageContaining("eval-threads must be 0 (one per core) or more");
  }

  @Test
  void threadOptionsDefaultToOnePerCore() {
    JobConfig d = JobOptions.parse(new String[0], CHECKPOINTS);
    assertThat(d.torchThreads()).isZero();
    assertThat(d.evaluation().evalThreads()).isZero();
    JobConfig c =
        JobOptions.parse(new String[] {"--torch-threads", "7", "--eval-threads", "2"}, CHECKPOINTS);
    assertThat(c.torchThreads()).isEqualTo(7);
    assertThat(c.evaluation().evalThreads()).isEqualTo(2);
    assertThat(c.describe()).containsEntry("torchThreads", 7);
  }

  @Test
  void evaluationOptionsAreOptionsLikeTheOthers() {
    JobConfig c =
        JobOptions.parse(
            new String[] {
              "--eval-every", "50", "--embeddings-format", "json", "--knn-bank-size", "1000",
              "--knn-test-size", "200", "--snapshot-dir", "/data/snaps", "--metrics-topic", "m"
            },
            CHECKPOINTS);
    EvaluationConfig e = c.evaluation();
    assertThat(e.evalEvery()).isEqualTo(50);
    assertThat(e.embeddingsFormat()).isEqualTo(io.mixstream.records.EmbeddingCodec.Format.JSON);
    assertThat(e.knnBankSize()).isEqualTo(1000);
    assertThat(e.knnTestSize()).isEqualTo(200);
    assertThat(e.knnK()).isEqualTo(200);
    assertThat(e.snapshotDir()).isEqualTo(Path.of("/data/snaps"));
    assertThat(e.metricsTopic()).isEqualTo("m");
    assertThat(c.describe()).containsKey("evaluation");
    EvaluationConfig d = JobOptions.parse(new String[0], CHECKPOINTS).evaluation();
    assertThat(d.snapshotDir()).isEqualTo(CHECKPOINTS.resolveSibling("mixstream-snapshots"));
    assertThat(d.knnBankSize()).isEqualTo(50_000);
    assertThat(d.knnTestSize()).isEqualTo(10_000);
  }

  @Test
  void theReverseTermNeedsTheReversedBatchSource() {
    assertThatThrownBy(
            () -> JobOptions.parse(new String[] {"--cutmix-reverse-term", "true"}, CHECKPOINTS))
        .hasMessageContaining("cutmix-reverse-term true needs cutmix-source reversed-batch");
    JobConfig a =
        JobOptions.parse(
            new String[] {"--cutmix-reverse-term", "--cutmix-source", "reversed-batch"},
            CHECKPOINTS);
    assertThat(a.training().mixing().cutmixReverseTerm()).isTrue();
  }

  @Test
  void aBooleanFlagMayStandAloneAndStillTakesTrueOrFalse() {
    assertThat(JobOptions.parse(new String[] {"--bounded"}, CHECKPOINTS).bounded()).isTrue();
    JobConfig c =
        JobOptions.parse(
            new String[] {"--bounded", "--embed-incoming", "--width", "8"}, CHECKPOINTS);
    assertThat(c.bounded()).isTrue();
    assertThat(c.evaluation().embedIncoming()).isTrue();
    assertThat(c.training().model().width()).isEqualTo(8);
    assertThat(JobOptions.parse(new String[] {"--bounded", "false"}, CHECKPOINTS).bounded())
        .isFalse();
    assertThat(JobOptions.parse(new String[] {"--bounded=true"}, CHECKPOINTS).bounded()).isTrue();
    assertThatThrownBy(() -> JobOptions.parse(new String[] {"--width"}, CHECKPOINTS))
        .hasMessageContaining("--width needs a value");
  }

  @Test
  void helpShowsDefaultsAsAUserTypesThem() {
    String help = String.join("\n", JobOptions.help(CHECKPOINTS));
    assertThat(help)
        .containsPattern("--checkpoint-interval V +default 10s")
        .containsPattern("--fixed-lambda V +default unset")
        .containsPattern("--bounded \\[true\\|false\\] +default false")
        .containsPattern("--cutmix-source V +default other-view")
        .doesNotContain("PT10S")
        .doesNotContain("NaN");
    assertThat(JobOptions.typed(Duration.ofMillis(500))).isEqualTo("500ms");
    assertThat(JobOptions.typed(Duration.ofMinutes(2))).isEqualTo("2m");
    // what help prints parses back to the same value
    assertThat(JobOptions.parseDuration(JobOptions.typed(Duration.ofSeconds(90))))
        .isEqualTo(Duration.ofSeconds(90));
    assertThatThrownBy(() -> JobOptions.parseDuration("10parsecs"))
        .hasMessageContaining("expected a duration such as 10s, 500ms, 2m or 1h, got '10parsecs'");
    assertThat(JobOptions.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void helpListsEveryOptionWithItsDefault() {
    String help = String.join("\n", JobOptions.help(CHECKPOINTS));
    var training = TrainingConfig.defaults().asMap().keySet(); // the groups' options, flat
    assertThat(training)
        .hasSize(44)
        .contains("width", "hue", "seed", "imageSize", "stem", "normalization", "bufferPolicy")
        .contains("simclrTemperature", "byolHidden", "byolMomentumSchedule", "approach2Aligned");
    for (String name : training) {
      assertThat(help).contains("--" + OptionTable.kebab(name) + " ");
    }
    assertThat(help).doesNotContain("--model ").doesNotContain("--augmentation ");
    for (var c : EvaluationConfig.class.getRecordComponents()) {
      assertThat(help).contains("--" + OptionTable.kebab(c.getName()) + " ");
    }
    assertThat(help).contains("--bootstrap-servers V").contains("default 127.0.0.1:9092");
    assertThat(help)
        .as("SimCLR's and BYOL's own defaults beside the MoCo family's")
        .containsPattern("--bn-splits V +default 8 \\(simclr, byol: 1\\)")
        .containsPattern("--lr-reference-batch V +default 512 \\(simclr, byol: 128\\)")
        .doesNotContain("byol: simclr");
  }

  @Test
  void oneModelUnlessModelsNamesSeveral() {
    JobConfig one = JobOptions.parse(new String[] {"--method", "unmix"}, CHECKPOINTS);
    assertThat(one.models()).isEmpty();
    assertThat(one.trainers())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.key()).isEqualTo("default");
              assertThat(m.training()).isEqualTo(one.training());
            });
  }

  @Test
  void eachModelTakesTheSharedOptionsThenItsOwn(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("job.properties");
    Files.writeString(file, "models=moco,wide:approach2,a1\nmodel.a1.method=approach1\n");
    JobConfig c =
        JobOptions.parse(
            new String[] {
              "--config",
              file.toString(),
              "--width",
              "8",
              "--batch-size",
              "64",
              "--device",
              "cpu",
              "--model.wide.width",
              "16",
              "--model.wide.seed",
              "7",
              "--model.a1.torch-threads",
              "1",
              "--model.a1.cutmix-reverse-term", // a boolean alone means true
              "--model.a1.cutmix-source",
              "reversed-batch"
            },
            CHECKPOINTS);
    assertThat(c.trainers()).extracting(ModelSpec::key).containsExactly("moco", "wide", "a1");
    ModelSpec moco = c.trainers().get(0);
    ModelSpec wide = c.trainers().get(1);
    ModelSpec a1 = c.trainers().get(2);
    assertThat(moco.training().method()).as("named after a method").isEqualTo(Method.MOCO);
    assertThat(wide.training().method()).as("KEY:METHOD").isEqualTo(Method.APPROACH2);
    assertThat(a1.training().method()).as("model.a1.method").isEqualTo(Method.APPROACH1);
    assertThat(moco.training().model().width()).isEqualTo(8);
    assertThat(wide.training().model().width()).isEqualTo(16);
    assertThat(wide.training().seed()).isEqualTo(7);
    assertThat(moco.training().seed()).isZero();
    assertThat(c.trainers()).allMatch(m -> m.training().batchSize() == 64);
    assertThat(a1.training().mixing().cutmixReverseTerm()).isTrue();
    assertThat(moco.training().mixing().cutmixReverseTerm()).isFalse();
    assertThat(a1.torchThreads()).isEqualTo(1);
    assertThat(moco.torchThreads()).isZero();
    assertThat(c.trainers()).allMatch(m -> m.device().equals("cpu"));
    assertThat(c.describe().toString()).contains("key=wide").contains("width=16");
  }

  @Test
  void everyBadOptionIsNamedAtOnceAndTheFileThatGaveIt(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("job.properties");
    Files.writeString(file, "widht=16\nbatch-size=lots\nseed=3\n");
    assertThatThrownBy(
            () ->
                JobOptions.parse(
                    new String[] {"--config", file.toString(), "--eval-every", "often"},
                    CHECKPOINTS))
        .hasMessageContaining("--batch-size: cannot use 'lots' (expected a whole number)")
        .hasMessageContaining("--eval-every: cannot use 'often'")
        .hasMessageContaining("unknown option(s) --widht")
        .hasMessageContaining("--config " + file + " sets batch-size, widht")
        .message()
        .doesNotContain("eval-every, ")
        .doesNotContain("sets eval-every");
  }

  @Test
  void aConfigFileThatIsNotTextIsNamedAsSuch(@TempDir Path tmp) throws Exception {
    Path binary = tmp.resolve("ls");
    Files.write(binary, new byte[] {0x7f, 'E', 'L', 'F', (byte) 0xc3, 0x28, (byte) 0xff, 0});
    assertThatThrownBy(
            () -> JobOptions.parse(new String[] {"--config", binary.toString()}, CHECKPOINTS))
        .hasMessage(
            "--config %s: not a properties file (name=value lines of UTF-8 text; `train"
                    .formatted(binary)
                + " --options` lists the names)");
  }

  @Test
  void aModelKeyThatIsATypoOfAMethodIsRefusedWithTheNearest() {
    assertThatThrownBy(
            () -> JobOptions.parse(new String[] {"--models", "moco,mocco-cutmix"}, CHECKPOINTS))
        .hasMessageContaining("--models: 'mocco-cutmix' is not a method")
        .hasMessageContaining("choose one of moco, moco-cutmix, unmix, approach1, approach2")
        .hasMessageContaining("did you mean moco-cutmix?")
        .hasMessageContaining("mocco-cutmix:METHOD");
    assertThatThrownBy(() -> JobOptions.parse(new String[] {"--models", "fast:mocco"}, CHECKPOINTS))
        .hasMessageContaining("unknown method 'mocco'")
        .hasMessageContaining("did you mean moco?");
    assertThatThrownBy(() -> JobOptions.parse(new String[] {"--models", "fast"}, CHECKPOINTS))
        .as("far from every method: no guess")
        .hasMessageContaining("'fast' is not a method")
        .message()
        .doesNotContain("did you mean");
    // a key with its method given any of the three ways stays a free name
    assertThat(
            JobOptions.parse(new String[] {"--models", "fast:moco,slow:unmix"}, CHECKPOINTS)
                .trainers())
        .extracting(m -> m.training().method())
        .containsExactly(Method.MOCO, Method.UNMIX);
    assertThat(
            JobOptions.parse(
                    new String[] {"--models", "fast", "--model.fast.method", "approach1"},
                    CHECKPOINTS)
                .trainers()
                .get(0)
                .training()
                .method())
        .isEqualTo(Method.APPROACH1);
    assertThat(
            JobOptions.parse(new String[] {"--models", "a,b", "--method", "unmix"}, CHECKPOINTS)
                .trainers())
        .extracting(m -> m.training().method())
        .containsExactly(Method.UNMIX, Method.UNMIX);
  }

  @Test
  void badModelOptionsAreNamed() {
    assertThatThrownBy(() -> JobOptions.parse(new String[] {"--model.x.width", "8"}, CHECKPOINTS))
        .hasMessageContaining("--models does not name it");
    assertThatThrownBy(
            () ->
                JobOptions.parse(
                    new String[] {"--models", "moco", "--model.mocco.width", "8"}, CHECKPOINTS))
        .hasMessageContaining("--model.mocco.* sets an option of model 'mocco'");
    assertThatThrownBy(
            () ->
                JobOptions.parse(
                    new String[] {"--models", "moco", "--model.moco.images-topic", "t"},
                    CHECKPOINTS))
        .hasMessageContaining("images-topic is not an option a model sets for itself");
    assertThatThrownBy(
            () ->
                JobOptions.parse(
                    new String[] {"--models", "moco", "--model.moco.width", "wide"}, CHECKPOINTS))
        .hasMessageContaining("model moco: --width: cannot use 'wide'");
    assertThatThrownBy(() -> JobOptions.parse(new String[] {"--models", "moco,moco"}, CHECKPOINTS))
        .hasMessageContaining("'moco' is named twice");
    assertThatThrownBy(
            () -> JobOptions.parse(new String[] {"--models", "moco,,unmix"}, CHECKPOINTS))
        .hasMessageContaining("comma-separated list");
    assertThatThrownBy(
            () ->
                JobOptions.parse(
                    new String[] {"--models", "moco,unmix", "--model.unmix.image-size", "64"},
                    CHECKPOINTS))
        .hasMessageContaining("the same image-size");
    assertThatThrownBy(
            () -> JobOptions.parse(new String[] {"--models", "moco,my/model"}, CHECKPOINTS))
        .hasMessageContaining("model key 'my/model' must be letters");
    assertThatThrownBy(
            () ->
                JobOptions.parse(
                    new String[] {"--models", "moco", "--model.moco.device", "tpu"}, CHECKPOINTS))
        .hasMessageContaining("model moco: device must be auto, cpu, gpu or gpu:N");
    assertThatThrownBy(
            () ->
                JobOptions.parse(
                    new String[] {"--models", "moco", "--model.moco.queue-size", "100"},
                    CHECKPOINTS))
        .hasMessageContaining("model moco: queue-size 100 must be a multiple");
  }

  @Test
  void theReplayBufferOptionsParseAndTheirMistakesAreNamed() {
    JobConfig c =
        JobOptions.parse(
            new String[] {
              "--buffer-size", "5000", "--buffer-policy", "reservoir", "--updates-per-batch", "5"
            },
            CHECKPOINTS);
    assertThat(c.training().buffer())
        .isEqualTo(new TrainingConfig.Buffer(5000, BufferPolicy.RESERVOIR, 5));
    assertThat(JobOptions.parse(new String[0], CHECKPOINTS).training().buffer().on()).isFalse();
    assertThatThrownBy(
            () -> JobOptions.parse(new String[] {"--updates-per-batch", "5"}, CHECKPOINTS))
        .hasMessageContaining("updates-per-batch 5 needs a buffer")
        .hasMessageContaining("--buffer-size");
    assertThatThrownBy(
            () ->
                JobOptions.parse(
                    new String[] {"--buffer-size", "100", "--batch-size", "256"}, CHECKPOINTS))
        .hasMessageContaining("buffer-size must be 0 (no buffer) or at least batch-size 256");
    assertThatThrownBy(() -> JobOptions.parse(new String[] {"--buffer-policy", "lru"}, CHECKPOINTS))
        .hasMessageContaining("fifo")
        .hasMessageContaining("minred");
  }

  @Test
  void simclrAndByolHaveTheirOwnDefaultsWhichExplicitOptionsOverride() {
    TrainingConfig byol =
        JobOptions.parse(new String[] {"--method", "byol"}, CHECKPOINTS).training();
    assertThat(byol.model().bnSplits()).isEqualTo(1);
    assertThat(byol.optimizer().lrReferenceBatch()).isEqualTo(128);
    assertThat(byol.baselines())
        .isEqualTo(new TrainingConfig.Baselines(0.5, 4096, MomentumSchedule.COSINE));
    TrainingConfig given =
        JobOptions.parse(
                new String[] {
                  "--method", "simclr", "--bn-splits", "8", "--simclr-temperature", "0.2"
                },
                CHECKPOINTS)
            .training();
    assertThat(given.model().bnSplits()).isEqualTo(8);
    assertThat(given.optimizer().lrReferenceBatch()).isEqualTo(128);
    assertThat(given.baselines().simclrTemperature()).isEqualTo(0.2);

    JobConfig seven =
        JobOptions.parse(
            new String[] {
              "--models", "simclr,byol,moco,moco-cutmix,unmix,approach1,approach2",
              "--model.byol.byol-hidden", "1024",
              "--model.byol.lr-reference-batch", "256",
              "--byol-momentum-schedule", "fixed"
            },
            CHECKPOINTS);
    var byKey = new java.util.LinkedHashMap<String, TrainingConfig>();
    seven.models().forEach(m -> byKey.put(m.key(), m.training()));
    assertThat(byKey.get("simclr").model().bnSplits()).isEqualTo(1);
    assertThat(byKey.get("simclr").optimizer().lrReferenceBatch()).isEqualTo(128);
    assertThat(byKey.get("byol").baselines().byolHidden()).isEqualTo(1024);
    assertThat(byKey.get("byol").optimizer().lrReferenceBatch()).isEqualTo(256);
    assertThat(byKey.get("byol").baselines().byolMomentumSchedule())
        .isEqualTo(MomentumSchedule.FIXED);
    assertThat(byKey.get("moco").model().bnSplits()).isEqualTo(8);
    assertThat(byKey.get("moco").optimizer().lrReferenceBatch()).isEqualTo(512);
  }

  @Test
  void aMethodsOwnOptionGivenToAnotherMethodIsRefusedByName() {
    assertThatThrownBy(
            () -> JobOptions.parse(new String[] {"--simclr-temperature", "0.2"}, CHECKPOINTS))
        .hasMessageContaining("--simclr-temperature is simclr's own option")
        .hasMessageContaining("trains moco");
    assertThatThrownBy(
            () ->
                JobOptions.parse(
                    new String[] {"--models", "moco,byol", "--model.moco.byol-hidden", "64"},
                    CHECKPOINTS))
        .hasMessageContaining("--model.moco.byol-hidden is byol's own option");
    assertThatThrownBy(
            () ->
                JobOptions.parse(
                    new String[] {"--models", "moco,byol", "--simclr-temperature", "0.2"},
                    CHECKPOINTS))
        .hasMessageContaining("no model of --models (moco,byol) trains simclr");
    assertThatThrownBy(
            () ->
                JobOptions.parse(
                    new String[] {"--method", "byol", "--schedule", "constant"}, CHECKPOINTS))
        .hasMessageContaining("--byol-momentum-schedule fixed");
  }
}

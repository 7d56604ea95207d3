package io.mixstream.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.mixstream.augment.Augmenter;
import io.mixstream.augment.SourceImage;
import io.mixstream.config.Method;
import io.mixstream.config.MomentumSchedule;
import io.mixstream.config.Stem;
import io.mixstream.config.TrainingConfig;
import io.mixstream.loss.L2;
import io.mixstream.model.MlpHead;
import io.mixstream.model.NamedTensor;
import io.mixstream.model.ResNet18Encoder;
import io.mixstream.queue.QueueName;
import io.mixstream.torch.GradMode;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * SimCLR (§13) and BYOL (§14) against their formulas: each term's value recomputed slowly in
 * doubles from the step's own vectors, and those vectors recomputed from the networks' weights by a
 * forward of the test's own (so that a predictor on the target side, a swapped view or a missing
 * projector fails), and BYOL's target rate against its cosine schedule.
 */
class BaselineFormulaTest {
  private static final int B = 16;

  @Test
  void simclrIsNtXentOverTheTwoBViewsWithEachImagesOtherViewAsItsPositive() {
    TrainingConfig c = TrainerFixtures.tiny(Method.SIMCLR);
    assertThat(c.model().bnSplits()).as("one BN group by default").isEqualTo(1);
    assertThat(c.optimizer().lrReferenceBatch()).as("lightly's 0.06·B/128").isEqualTo(128);
    try (MocoTrainer trainer = TrainerFixtures.trainer(c)) {
      assertThat(trainer.queuePointer(QueueName.ORIGINAL)).as("no queue").isEqualTo(-1);
      Map<String, float[]> before = trainer.stateByName();
      byte[][] images = TrainerFixtures.cifar(0, B);
      StepTrace t = trainer.stepTraced(images);
      assertThat(t.terms()).extracting(StepTrace.Term::name).containsExactly("nt_xent");
      StepTrace.Term term = t.term("nt_xent");
      assertThat(term.weight()).isEqualTo(1.0);
      assertThat(term.queue()).isNull();
      double slow = slowNtXent(term.q(), term.k(), 0.5);
      assertThat(t.report().terms().get("nt_xent")).isCloseTo(slow, within(2e-4 * slow));
      assertThat(t.report().loss()).isCloseTo(slow, within(2e-4 * slow));

      float[][] views = views(c, images);
      try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu());
          GradMode off = GradMode.off()) {
        ResNet18Encoder f = encoder(m, before, "query.");
        MlpHead g = head(m, "projector", 32, 32, 128, before, "query.");
        assertClose(term.q(), project(m, f, g, null, views[0]), "z₁ = n(g(f(x1)))");
        assertClose(term.k(), project(m, f, g, null, views[1]), "z₂ = n(g(f(x2)))");
      }
    }
  }

  @Test
  void byolIsTheSymmetricNegativeCosineOfOnlinePredictionsAndTargetProjections() {
    TrainingConfig c = TrainerFixtures.tiny(Method.BYOL);
    try (MocoTrainer trainer = TrainerFixtures.trainer(c)) {
      Map<String, float[]> before = trainer.stateByName();
      byte[][] images = TrainerFixtures.cifar(0, B);
      StepTrace t = trainer.stepTraced(images);
      assertThat(t.terms())
          .extracting(StepTrace.Term::name)
          .containsExactly("view1_to_view2", "view2_to_view1");
      double total = 0;
      for (StepTrace.Term term : t.terms()) {
        assertThat(term.weight()).isEqualTo(0.5);
        assertThat(term.queue()).isNull();
        double slow = slowNegativeCosine(term.q(), term.k());
        assertThat(t.report().terms().get(term.name())).isCloseTo(slow, within(1e-5));
        total += 0.5 * slow;
      }
      assertThat(t.report().loss()).isCloseTo(total, within(1e-5));

      float[][] views = views(c, images);
      int d = 32;
      int h = c.baselines().byolHidden();
      int out = TrainingConfig.BYOL_PROJECTION;
      try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu());
          GradMode off = GradMode.off()) {
        ResNet18Encoder f = encoder(m, before, "query.");
        MlpHead g = head(m, "projector", d, h, out, before, "query.");
        MlpHead q = head(m, "predictor", out, h, out, before, "query.");
        ResNet18Encoder fTarget = encoder(m, before, "key.");
        MlpHead gTarget = head(m, "projector", d, h, out, before, "key.");
        StepTrace.Term first = t.term("view1_to_view2");
        StepTrace.Term second = t.term("view2_to_view1");
        assertClose(first.q(), project(m, f, g, q, views[0]), "p₁ = n(q(g(f(x1))))");
        assertClose(first.k(), project(m, fTarget, gTarget, null, views[1]), "z'₂ = n(g'(f'(x2)))");
        assertClose(second.q(), project(m, f, g, q, views[1]), "p₂ = n(q(g(f(x2))))");
        assertClose(
            second.k(), project(m, fTarget, gTarget, null, views[0]), "z'₁ = n(g'(f'(x1)))");
      }
    }
  }

  /** K = 2 epochs × 4 steps: τ is τ₀ at step 0, 1 − (1−τ₀)/2 at step 4, 1 from step 8 on. */
  @Test
  void byolsTargetRateFollowsTheCosineOverTheSchedulesStepsAndAFixedRateStays() {
    TrainingConfig.Builder b = TrainerFixtures.tiny(Method.BYOL).toBuilder();
    b.epochs = 2;
    b.epochSize = 4 * B;
    double tau0 = b.keyMomentum;
    assertThat(targetRates(b.build(), 4, 8)).containsExactly(1 - (1 - tau0) / 2, 1.0);
    b.byolMomentumSchedule = MomentumSchedule.FIXED;
    assertThat(targetRates(b.build(), 4, 8)).containsExactly(tau0, tau0);
  }

  /**
   * The rate each listed step's momentum update used, read from the weights: key after = τ·key
   * before + (1−τ)·query before, solved for τ on the target projector's first weight.
   */
  private static List<Double> targetRates(TrainingConfig c, int... steps) {
    try (MocoTrainer trainer = TrainerFixtures.trainer(c)) {
      List<Double> out = new java.util.ArrayList<>();
      int s = 0;
      for (int at : steps) {
        for (; s < at; s++) {
          trainer.step(TrainerFixtures.cifar(s * B, B));
        }
        Map<String, float[]> before = trainer.stateByName();
        trainer.step(TrainerFixtures.cifar(s * B, B));
        s++;
        Map<String, float[]> after = trainer.stateByName();
        String name = "projector.0.weight";
        float[] key = before.get("key." + name);
        float[] query = before.get("query." + name);
        float[] moved = after.get("key." + name);
        // the element where query and key differ most gives τ best
        int best = 0;
        for (int i = 0; i < key.length; i++) {
          if (Math.abs(query[i] - key[i]) > Math.abs(query[best] - key[best])) {
            best = i;
          }
        }
        assertThat(Math.abs(query[best] - key[best])).as("query and target apart").isPositive();
        double tau = (moved[best] - query[best]) / ((double) key[best] - query[best]);
        out.add(Math.round(tau * 1e4) / 1e4);
      }
      return out;
    }
  }

  private static float[][] views(TrainingConfig c, byte[][] images) {
    SourceImage[] sources =
        Arrays.stream(images).map(SourceImage::cifar).toArray(SourceImage[]::new);
    Augmenter a = new Augmenter(c.augmentation(), 32, c.seed());
    return new float[][] {a.view(sources, 0, 0), a.view(sources, 0, 1)};
  }

  /** An encoder without head whose tensors are the trainer's under {@code prefix}. */
  private static ResNet18Encoder encoder(NDManager m, Map<String, float[]> state, String prefix) {
    ResNet18Encoder e = new ResNet18Encoder(m, 4, 0, 1, Stem.CIFAR, new SplittableRandom(1));
    load(e.tensors(), state, prefix);
    return e;
  }

  private static MlpHead head(
      NDManager m, String name, int in, int hidden, int out, Map<String, float[]> s, String p) {
    MlpHead h = new MlpHead(name, m, in, hidden, out, new SplittableRandom(1));
    load(h.tensors(), s, p);
    return h;
  }

  private static void load(List<NamedTensor> tensors, Map<String, float[]> state, String prefix) {
    for (NamedTensor t : tensors) {
      float[] v = state.get(prefix + t.name());
      assertThat(v).as(prefix + t.name()).isNotNull();
      t.array().set(v);
    }
  }

  /** n(predictor(g(f(x)))) in training mode (batch statistics), the predictor optional. */
  private static float[] project(
      NDManager m, ResNet18Encoder f, MlpHead g, MlpHead predictor, float[] x) {
    NDArray images = m.create(x, new Shape(B, 3, 32, 32));
    NDArray z = g.forward(f.forward(images, true).embedding());
    if (predictor != null) {
      z = predictor.forward(z);
    }
    return L2.normalize(z).toFloatArray();
  }

  private static void assertClose(float[] actual, float[] expected, String what) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    for (int i = 0; i < actual.length; i++) {
      assertThat(actual[i]).as("%s, element %d", what, i).isCloseTo(expected[i], within(2e-5f));
    }
  }

  /** §13 in doubles: the mean over the 2B anchors of −log(exp(s_pos/τ) / Σ_{j≠i} exp(s_ij/τ)). */
  static double slowNtXent(float[] z1, float[] z2, double tau) {
    int b = B;
    int dim = z1.length / b;
    double[][] z = new double[2 * b][dim];
    for (int i = 0; i < b; i++) {
      for (int d = 0; d < dim; d++) {
        z[i][d] = z1[i * dim + d];
        z[b + i][d] = z2[i * dim + d];
      }
    }
    double sum = 0;
    for (int i = 0; i < 2 * b; i++) {
      int positive = i < b ? i + b : i - b;
      double denominator = 0;
      double numerator = 0;
      for (int j = 0; j < 2 * b; j++) {
        if (j == i) {
          continue;
        }
        double s = 0;
        for (int d = 0; d < dim; d++) {
          s += z[i][d] * z[j][d];
        }
        denominator += Math.exp(s / tau);
        if (j == positive) {
          numerator = Math.exp(s / tau);
        }
      }
      sum += -Math.log(numerator / denominator);
    }
    return sum / (2 * b);
  }

  /** −mean_i Σ_d p_id·z_id in doubles. */
  static double slowNegativeCosine(float[] p, float[] z) {
    int dim = p.length / B;
    double sum = 0;
    for (int i = 0; i < B; i++) {
      for (int d = 0; d < dim; d++) {
        sum += (double) p[i * dim + d] * z[i * dim + d];
      }
    }
    return -sum / B;
  }
}

package io.mixstream.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mixstream.config.CutMixSource;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.queue.QueueName;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Each method against ALGORITHM.md's formula (§4, §5, §7, §8), from the encoder outputs of a real
 * step: which terms there are, each term's weight as a function of the step's λ, which queue it
 * reads, which query and key rows it pairs (the same tensors where the formula reuses one), its
 * value recomputed by a slow double-precision InfoNCE against the queue as it was before the step,
 * and what each queue holds after it. Swapping λ and 1−λ, pairing a query with the wrong key or
 * queue, or enqueueing the wrong keys fails here.
 */
class MethodFormulaTest {
  private static final int B = 16;

  /** What the formula says of one term. */
  private record Expected(String name, DoubleUnaryOperator weightOfLambda, QueueName queue) {}

  private static Expected term(String name, DoubleUnaryOperator w, QueueName queue) {
    return new Expected(name, w, queue);
  }

  private static final DoubleUnaryOperator ONE = l -> 1;
  private static final DoubleUnaryOperator LAMBDA = l -> l;
  private static final DoubleUnaryOperator ONE_MINUS_LAMBDA = l -> 1 - l;

  @Test
  void moco() {
    StepTrace t =
        checkedStep(
            TrainerFixtures.tiny(Method.MOCO),
            List.of(term("original", ONE, QueueName.ORIGINAL)),
            Map.of(QueueName.ORIGINAL, "original"));
    assertThat(t.report().lambda()).isNaN();
  }

  @Test
  void mocoCutMixReadingC() {
    StepTrace t =
        checkedStep(
            TrainerFixtures.tiny(Method.MOCO_CUTMIX),
            List.of(
                term("original", ONE, QueueName.ORIGINAL),
                term("mixed", LAMBDA, QueueName.ORIGINAL)),
            Map.of(QueueName.ORIGINAL, "original"));
    sameKey(t, "mixed", "original");
  }

  @Test
  void mocoCutMixReadingA() {
    TrainingConfig.Builder b = TrainerFixtures.tiny(Method.MOCO_CUTMIX).toBuilder();
    b.cutmixSource = CutMixSource.REVERSED_BATCH;
    b.cutmixReverseTerm = true;
    StepTrace t =
        checkedStep(
            b.build(),
            List.of(
                term("original", ONE, QueueName.ORIGINAL),
                term("mixed", LAMBDA, QueueName.ORIGINAL),
                term("mixed_reversed", ONE_MINUS_LAMBDA, QueueName.ORIGINAL)),
            Map.of(QueueName.ORIGINAL, "original"));
    sameKey(t, "mixed", "original");
    sameKey(t, "mixed_reversed", "original");
    reversedQuery(t, "mixed_reversed", "mixed");
  }

  @Test
  void unmix() {
    StepTrace t =
        checkedStep(
            TrainerFixtures.tiny(Method.UNMIX),
            List.of(
                term("original", ONE, QueueName.ORIGINAL),
                term("mixed", LAMBDA, QueueName.ORIGINAL),
                term("mixed_reversed", ONE_MINUS_LAMBDA, QueueName.ORIGINAL)),
            Map.of(QueueName.ORIGINAL, "original"));
    sameKey(t, "mixed", "original");
    sameKey(t, "mixed_reversed", "original");
    reversedQuery(t, "mixed_reversed", "mixed");
  }

  @Test
  void approach1() {
    StepTrace t =
        checkedStep(
            TrainerFixtures.tiny(Method.APPROACH1),
            List.of(
                term("original", ONE, QueueName.ORIGINAL),
                term("mixed", LAMBDA, QueueName.ORIGINAL),
                term("global_global", ONE_MINUS_LAMBDA, QueueName.GLOBAL),
                term("local_local", ONE_MINUS_LAMBDA, QueueName.LOCAL),
                term("local_global", ONE_MINUS_LAMBDA, QueueName.GLOBAL)),
            Map.of(
                QueueName.ORIGINAL, "original",
                QueueName.GLOBAL, "global_global",
                QueueName.LOCAL, "local_local"));
    sameKey(t, "mixed", "original");
    sameQuery(t, "local_global", "local_local"); // q^L against k^G
    sameKey(t, "local_global", "global_global");
    differ(t.term("global_global").k(), t.term("local_local").k(), "k^G and k^L");
    differ(t.term("global_global").q(), t.term("local_local").q(), "q^G and q^L");
  }

  @Test
  void approach2() {
    StepTrace t =
        checkedStep(
            TrainerFixtures.tiny(Method.APPROACH2),
            List.of(
                term("original", ONE, QueueName.ORIGINAL),
                term("mixed", LAMBDA, QueueName.ORIGINAL),
                term("global_original", LAMBDA, QueueName.ORIGINAL),
                term("local_local", LAMBDA, QueueName.LOCAL),
                term("mixed_reversed", ONE_MINUS_LAMBDA, QueueName.ORIGINAL),
                term("global_original_reversed", ONE_MINUS_LAMBDA, QueueName.ORIGINAL),
                term("local_local_reversed", ONE_MINUS_LAMBDA, QueueName.LOCAL)),
            Map.of(QueueName.ORIGINAL, "original", QueueName.LOCAL, "local_local"));
    for (String name : List.of("mixed", "global_original", "mixed_reversed")) {
      sameKey(t, name, "original"); // the global query region meets the image's key k
    }
    sameKey(t, "global_original_reversed", "original");
    sameKey(t, "local_local_reversed", "local_local");
    reversedQuery(t, "mixed_reversed", "mixed");
    reversedQuery(t, "global_original_reversed", "global_original");
    reversedQuery(t, "local_local_reversed", "local_local");
  }

  /**
   * A7's ablation: the two reversed region terms meet the keys of the images their regions show.
   */
  @Test
  void approach2Aligned() {
    TrainingConfig.Builder b = TrainerFixtures.tiny(Method.APPROACH2).toBuilder();
    b.approach2Aligned = true;
    StepTrace t =
        checkedStep(
            b.build(),
            List.of(
                term("original", ONE, QueueName.ORIGINAL),
                term("mixed", LAMBDA, QueueName.ORIGINAL),
                term("global_original", LAMBDA, QueueName.ORIGINAL),
                term("local_local", LAMBDA, QueueName.LOCAL),
                term("mixed_reversed", ONE_MINUS_LAMBDA, QueueName.ORIGINAL),
                term("global_original_reversed", ONE_MINUS_LAMBDA, QueueName.ORIGINAL),
                term("local_local_reversed", ONE_MINUS_LAMBDA, QueueName.LOCAL)),
            Map.of(QueueName.ORIGINAL, "original", QueueName.LOCAL, "local_local"));
    sameKey(t, "mixed_reversed", "original"); // Un-Mix's term shows image i's share: k as it is
    reversedKey(t, "global_original_reversed", "original");
    reversedKey(t, "local_local_reversed", "local_local");
    reversedQuery(t, "global_original_reversed", "global_original");
    reversedQuery(t, "local_local_reversed", "local_local");
  }

  /**
   * A step after one warm-up step (so the queues hold real keys), checked term by term against
   * {@code expected} and queue by queue against {@code enqueuedFrom} (queue → the term whose keys
   * it must hold afterwards).
   */
  private static StepTrace checkedStep(
      TrainingConfig config, List<Expected> expected, Map<QueueName, String> enqueuedFrom) {
    try (MocoTrainer trainer = TrainerFixtures.trainer(config)) {
      trainer.step(TrainerFixtures.cifar(0, B));
      Map<QueueName, float[]> before = new EnumMap<>(QueueName.class);
      Map<QueueName, Integer> pointers = new EnumMap<>(QueueName.class);
      for (QueueName q : config.method().queues()) {
        before.put(q, trainer.queueColumns(q, 0, config.moco().queueSize()));
        pointers.put(q, trainer.queuePointer(q));
      }
      StepTrace t = trainer.stepTraced(TrainerFixtures.cifar(B, B));
      StepReport r = t.report();
      double lambda = r.lambda();
      assertThat(t.terms().stream().map(StepTrace.Term::name))
          .containsExactlyElementsOf(expected.stream().map(Expected::name).toList());
      double total = 0;
      for (Expected e : expected) {
        StepTrace.Term term = t.term(e.name());
        double w = Double.isNaN(lambda) ? 1 : e.weightOfLambda().applyAsDouble(lambda);
        assertThat(term.weight()).as("%s: weight", e.name()).isCloseTo(w, within(1e-12));
        assertThat(term.queue()).as("%s: queue", e.name()).isEqualTo(e.queue());
        double slow =
            slowInfoNce(
                term.q(),
                term.k(),
                before.get(e.queue()),
                config.model().embeddingDim(),
                config.moco().queueSize(),
                config.moco().temperature());
        assertThat(r.terms().get(e.name()))
            .as("%s: value against the slow InfoNCE", e.name())
            .isCloseTo(slow, within(2e-4 * Math.max(1, slow)));
        total += w * slow;
      }
      assertThat(r.loss()).as("the total").isCloseTo(total, within(1e-3 * Math.max(1, total)));
      assertThat(before.keySet()).isEqualTo(enqueuedFrom.keySet());
      for (var e : enqueuedFrom.entrySet()) {
        float[] after = trainer.queueColumns(e.getKey(), pointers.get(e.getKey()), B);
        float[] keys = t.term(e.getValue()).k();
        int dim = config.model().embeddingDim();
        for (int i = 0; i < B; i++) {
          for (int d = 0; d < dim; d++) {
            assertThat(after[d * B + i])
                .as("%s queue, column %d, row %d: the keys of %s", e.getKey(), i, d, e.getValue())
                .isEqualTo(keys[i * dim + d]);
          }
        }
      }
      return t;
    }
  }

  /** −log(exp(q·k/τ) / (exp(q·k/τ) + Σ_j exp(q·Q_j/τ))), averaged over the rows, in doubles. */
  static double slowInfoNce(float[] q, float[] k, float[] queue, int dim, int size, double tau) {
    int rows = q.length / dim;
    double sum = 0;
    for (int i = 0; i < rows; i++) {
      double[] logits = new double[size + 1];
      for (int d = 0; d < dim; d++) {
        logits[0] += (double) q[i * dim + d] * k[i * dim + d];
      }
      for (int j = 0; j < size; j++) {
        for (int d = 0; d < dim; d++) {
          logits[1 + j] += (double) q[i * dim + d] * queue[d * size + j];
        }
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j <= size; j++) {
        logits[j] /= tau;
        max = Math.max(max, logits[j]);
      }
      double z = 0;
      for (double l : logits) {
        z += Math.exp(l - max);
      }
      sum += -(logits[0] - max - Math.log(z));
    }
    return sum / rows;
  }

  private static void sameKey(StepTrace t, String a, String b) {
    assertThat(t.term(a).k()).as("%s uses the key of %s", a, b).isEqualTo(t.term(b).k());
  }

  private static void sameQuery(StepTrace t, String a, String b) {
    assertThat(t.term(a).q()).as("%s uses the query of %s", a, b).isEqualTo(t.term(b).q());
  }

  /** Term a's queries are term b's rows in reverse order (q^{M,R}). */
  private static void reversedQuery(StepTrace t, String a, String b) {
    float[] qa = t.term(a).q();
    float[] qb = t.term(b).q();
    int dim = qa.length / B;
    for (int i = 0; i < B; i++) {
      for (int d = 0; d < dim; d++) {
        assertThat(qa[i * dim + d])
            .as("%s row %d is %s row %d", a, i, b, B - 1 - i)
            .isEqualTo(qb[(B - 1 - i) * dim + d]);
      }
    }
  }

  /** Term a's keys are term b's rows in reverse order. */
  private static void reversedKey(StepTrace t, String a, String b) {
    float[] ka = t.term(a).k();
    float[] kb = t.term(b).k();
    int dim = ka.length / B;
    for (int i = 0; i < B; i++) {
      for (int d = 0; d < dim; d++) {
        assertThat(ka[i * dim + d])
            .as("%s key row %d is %s key row %d", a, i, b, B - 1 - i)
            .isEqualTo(kb[(B - 1 - i) * dim + d]);
      }
    }
  }

  private static void differ(float[] a, float[] b, String what) {
    assertThat(a).as(what + " are different tensors").isNotEqualTo(b);
  }
}

package io.mixstream.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.config.BufferPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Each policy and the sampler against a slow, obvious rendering of its definition. */
class ReplayBufferTest {
  /** The images, as the job's keyed state would hold them. */
  static final class MapStore implements ReplayBuffer.Store<String> {
    final Map<Long, String> images = new HashMap<>();

    @Override
    public void put(long arrival, String image) {
      images.put(arrival, image);
    }

    @Override
    public String get(long arrival) {
      return images.get(arrival);
    }

    @Override
    public void remove(long arrival) {
      assertThat(images.remove(arrival)).as("removing %d", arrival).isNotNull();
    }
  }

  @Test
  void fifoKeepsTheLastCAndStepsComeEveryBArrivals() throws Exception {
    ReplayBuffer b = new ReplayBuffer(10, 4, 2, 8, BufferPolicy.FIFO, 1);
    MapStore store = new MapStore();
    for (int n = 1; n <= 30; n++) {
      int due = b.add("img-" + n, store);
      assertThat(due).as("arrival %d", n).isEqualTo(n % 4 == 0 ? 2 : 0);
      long from = Math.max(1, n - 9);
      assertThat(b.contents()).containsExactly(LongStream.rangeClosed(from, n).toArray());
      assertThat(store.images.keySet())
          .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(from, n).boxed().toList());
    }
    assertThat(b.stepsOwedAtEnd()).as("30 = 7·4 + 2: ⌊2·2/4⌋").isEqualTo(1);
  }

  @Test
  void reservoirLetsTheNthImageInWithChanceCOverN() throws Exception {
    int c = 10;
    int n = 100;
    int runs = 3000;
    int[] kept = new int[n + 1];
    for (int seed = 0; seed < runs; seed++) {
      ReplayBuffer b = new ReplayBuffer(c, 5, 1, 8, BufferPolicy.RESERVOIR, seed);
      MapStore store = new MapStore();
      for (int i = 1; i <= n; i++) {
        b.add("img-" + i, store);
      }
      assertThat(b.size()).isEqualTo(c);
      for (long a : b.contents()) {
        kept[(int) a]++;
      }
    }
    // a uniform sample of all n: each image stays with chance c/n = 0.1, 300 of 3000 runs (sd 16)
    for (int i = 1; i <= n; i++) {
      assertThat(kept[i]).as("image %d", i).isBetween(230, 370);
    }
  }

  @Test
  void aBatchIsBDistinctImagesDrawnUniformly() throws Exception {
    ReplayBuffer b = new ReplayBuffer(20, 5, 1, 8, BufferPolicy.FIFO, 3);
    MapStore store = new MapStore();
    for (int i = 1; i <= 20; i++) {
      b.add("img-" + i, store);
    }
    int[] drawn = new int[21];
    for (int k = 0; k < 4000; k++) {
      long[] batch = b.sample();
      assertThat(batch).hasSize(5).doesNotHaveDuplicates();
      for (long a : batch) {
        drawn[(int) a]++;
      }
    }
    for (int i = 1; i <= 20; i++) { // 4000 · 5/20 = 1000 each (sd about 27)
      assertThat(drawn[i]).as("image %d", i).isBetween(900, 1100);
    }
  }

  /**
   * MinRed against a slow rendering: features kept per image (Polyak-averaged when trained again),
   * and at each B-th arrival, while over C, the trained image whose most similar other trained
   * image is most similar goes (the older on a tie), every similarity computed afresh.
   */
  @Test
  void minredLetsTheMostRedundantTrainedImageGoAndNeverAnUntrainedOne() throws Exception {
    Random rng = new Random(11);
    // few dimensions: near neighbours are common
    ReplayBuffer b = minredAgainstScans(24, 6, 2, 4, 300, id -> unit(rng, 4));
    assertThat(b.evictedUntrained()).isZero();
  }

  /**
   * A larger buffer, where a step refreshes few of its images: most images keep their candidates,
   * and a refreshed image that became another's nearest must be offered to it.
   */
  @Test
  void minredKeepsEveryNearestAsAScanWould() throws Exception {
    Random rng = new Random(5);
    minredAgainstScans(200, 40, 5, 8, 800, id -> unit(rng, 8));
  }

  /**
   * Groups of 25 near-duplicates (more than an image keeps candidates): a reduction lets many of a
   * group go at once, so images run out of candidates while their nearest is among the most similar
   * of all, and must be looked at again before the next goes.
   */
  @Test
  void minredLetsTheRightImagesGoWhenNearDuplicatesRunOutOfCandidates() throws Exception {
    int dim = 8;
    Random rng = new Random(9);
    float[][] centres = new float[4][];
    for (int g = 0; g < centres.length; g++) {
      centres[g] = unit(rng, dim);
    }
    minredAgainstScans(
        100,
        50,
        3,
        dim,
        600,
        id -> {
          float[] f = unit(rng, dim);
          float[] centre = centres[(int) (id % centres.length)];
          for (int d = 0; d < dim; d++) {
            f[d] = centre[d] + 0.05f * f[d];
          }
          return normalised(f);
        });
  }

  /**
   * Runs a minred buffer and checks, after every batch of arrivals, its contents against {@link
   * #reduceByScan} and, after every step, each trained image's nearest against a scan.
   *
   * @param feature the step's feature of an image, by its arrival number
   * @return the buffer, for what a test checks besides
   */
  private static ReplayBuffer minredAgainstScans(
      int c,
      int batch,
      int updates,
      int dim,
      int arrivals,
      java.util.function.LongFunction<float[]> feature)
      throws Exception {
    ReplayBuffer b = new ReplayBuffer(c, batch, updates, dim, BufferPolicy.MINRED, 7);
    MapStore store = new MapStore();
    Map<Long, float[]> features = new LinkedHashMap<>(); // each trained image's feature now
    List<Long> contents = new ArrayList<>();
    int evictions = 0;
    for (int n = 1; n <= arrivals; n++) {
      int due = b.add("img-" + n, store);
      contents.add((long) n);
      if (n % batch == 0) {
        evictions += reduceByScan(contents, features, c);
      }
      assertThat(b.contents())
          .as("after arrival %d", n)
          .containsExactly(contents.stream().mapToLong(Long::longValue).toArray());
      for (int s = 0; s < due; s++) {
        long[] drawn = b.sample();
        float[] f = new float[batch * dim];
        for (int i = 0; i < batch; i++) {
          float[] row = feature.apply(drawn[i]);
          System.arraycopy(row, 0, f, i * dim, dim); // the step's; the buffer averages it in
          float[] old = features.get(drawn[i]);
          if (old != null) {
            for (int d = 0; d < dim; d++) {
              row[d] = (float) (0.5 * row[d] + 0.5 * old[d]);
            }
            row = normalised(row);
          }
          features.put(drawn[i], row);
        }
        b.trained(drawn, f);
        for (long a : features.keySet()) {
          double best = Double.NEGATIVE_INFINITY;
          for (long o : features.keySet()) {
            if (o != a) {
              best = Math.max(best, dot(features.get(a), features.get(o)));
            }
          }
          assertThat(b.nearestSimilarity(a)).as("image %d after arrival %d", a, n).isEqualTo(best);
        }
      }
    }
    assertThat(features).hasSizeGreaterThan(c / 2);
    assertThat(evictions).isGreaterThan(arrivals / 2);
    return b;
  }

  @Test
  void aMinredBufferOfUntrainedImagesGrowsToTwiceCThenLetsTheOldestGo() throws Exception {
    ReplayBuffer b = new ReplayBuffer(10, 5, 1, 4, BufferPolicy.MINRED, 2);
    MapStore store = new MapStore();
    for (int i = 1; i <= 35; i++) {
      b.add("img-" + i, store);
    }
    assertThat(b.contents()).containsExactly(LongStream.rangeClosed(16, 35).toArray());
    assertThat(b.evictedUntrained()).isEqualTo(15);
    assertThat(b.untrained()).isEqualTo(20);
  }

  @Test
  void aRestoredIndexDrawsAndEvictsAsTheOriginalWould() throws Exception {
    ReplayBuffer a = new ReplayBuffer(12, 4, 2, 4, BufferPolicy.MINRED, 9);
    MapStore storeA = new MapStore();
    Random rng = new Random(3);
    ReplayBuffer restored = null;
    MapStore storeB = null;
    for (int n = 1; n <= 80; n++) {
      if (n == 41) {
        restored = new ReplayBuffer(12, 4, 2, 4, BufferPolicy.MINRED, 9);
        restored.restore(a.export());
        storeB = new MapStore();
        storeB.images.putAll(storeA.images);
      }
      int due = a.add("img-" + n, storeA);
      if (restored != null) {
        assertThat(restored.add("img-" + n, storeB)).isEqualTo(due);
      }
      for (int s = 0; s < due; s++) {
        long[] drawn = a.sample();
        float[] f = new float[drawn.length * 4];
        for (int i = 0; i < drawn.length; i++) {
          System.arraycopy(unit(rng, 4), 0, f, i * 4, 4);
        }
        a.trained(drawn, f);
        if (restored != null) {
          assertThat(restored.sample()).containsExactly(drawn);
          restored.trained(drawn, f);
        }
      }
      if (restored != null) {
        assertThat(restored.contents()).containsExactly(a.contents());
      }
    }
    assertThat(restored.export()).isEqualTo(a.export());
    assertThat(storeB.images).isEqualTo(storeA.images);
  }

  /**
   * MinRed's reduction, slowly: while over {@code c}, the trained image (one with a feature) whose
   * most similar other trained image is most similar goes, the older on a tie.
   *
   * @return how many went
   */
  private static int reduceByScan(List<Long> contents, Map<Long, float[]> features, int c) {
    int evictions = 0;
    while (contents.size() > c) {
      long worst = -1;
      double worstSim = Double.NEGATIVE_INFINITY;
      for (long a : contents) {
        if (!features.containsKey(a)) {
          continue;
        }
        double best = Double.NEGATIVE_INFINITY;
        for (long o : contents) {
          if (o != a && features.containsKey(o)) {
            best = Math.max(best, dot(features.get(a), features.get(o)));
          }
        }
        if (best > worstSim) {
          worstSim = best;
          worst = a;
        }
      }
      if (worst < 0) {
        break;
      }
      contents.remove(worst);
      features.remove(worst);
      evictions++;
    }
    return evictions;
  }

  private static float[] unit(Random rng, int dim) {
    float[] f = new float[dim];
    for (int d = 0; d < dim; d++) {
      f[d] = (float) rng.nextGaussian();
    }
    return normalised(f);
  }

  private static float[] normalised(float[] f) {
    double n = Math.sqrt(dot(f, f));
    float[] out = Arrays.copyOf(f, f.length);
    for (int d = 0; d < f.length; d++) {
      out[d] = (float) (f[d] / n);
    }
    return out;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }
}

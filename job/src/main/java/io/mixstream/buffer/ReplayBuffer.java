package io.mixstream.buffer;

import io.mixstream.config.BufferPolicy;
import io.mixstream.rng.Seeds;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A replay buffer of C images between a correlated stream and the trainer: each arriving image is
 * inserted (or, for {@code reservoir}, may be passed over), a full buffer lets one go by its
 * policy, and every batch-size arrivals U training batches are drawn from it, each batch-size
 * distinct images uniformly at random (MinRed's sampler, Purushwalkam et al. 2022).
 *
 * <p>This class keeps the index only: which images are in (by arrival number, 1, 2, ...), how often
 * each was trained and, for {@code minred}, each trained image's feature and nearest neighbour. The
 * images themselves live in a {@link Store} the caller gives (keyed state in the job), so the index
 * is small ({@code C × (dim + 6)} numbers) and goes whole into a checkpoint ({@link #export}).
 * Every random draw comes from a generator seeded by (seed, a counter in the index), so a buffer
 * restored from its export draws what the original would have.
 *
 * <p>{@code minred} never lets an untrained image go while a trained one can: the trained image
 * whose nearest trained neighbour is most similar goes first, greedily, as MinRed's max-coverage
 * reduction does. When too few images are trained, the buffer holds more than C for a while; at
 * {@link #HARD_LIMIT_FACTOR}·C it lets the oldest go even untrained, counted in {@link
 * #evictedUntrained()}.
 */
public final class ReplayBuffer {
  /** Where the images live, by arrival number. */
  public interface Store<T> {
    void put(long arrival, T image) throws Exception;

    T get(long arrival) throws Exception;

    void remove(long arrival) throws Exception;
  }

  /** A minred buffer holds at most this many times C, untrained images included. */
  public static final int HARD_LIMIT_FACTOR = 2;

  /** MinRed's Polyak average of an image's feature when it is trained again (γ = 0.5). */
  static final double FEATURE_MOMENTUM = 0.5;

  private static final long SAMPLE_STREAM = 0x5A4D;
  private static final long RESERVOIR_STREAM = 0x5E5E;
  private static final int FORMAT = 1;

  private final int capacity;
  private final int batch;
  private final int updates;
  private final int dim;
  private final BufferPolicy policy;
  private final long seed;

  /** The images in, oldest first (eviction ties go to the older). */
  private final List<Entry> entries = new ArrayList<>();

  private final Map<Long, Entry> byArrival = new HashMap<>();
  private long arrivals;
  private long draws;
  private long evictedUntrained;

  /** One image in the buffer. */
  static final class Entry {
    final long arrival;
    int trained;
    float[] feature; // minred: unit vector from its last training step; null until trained
    int version; // minred: how often its feature changed, so that a candidate can be told stale
    boolean refreshing; // minred: its feature moved in the step being recorded
    boolean in = true; // false once let go
    long nearest = -1; // minred: arrival of the most similar other trained image
    double nearestSimilarity = Double.NEGATIVE_INFINITY;
    // minred: the most similar other trained images (up to CANDIDATES), and a bound on the
    // similarity of every other one: the nearest after one goes is found without a scan
    final List<Candidate> candidates = new ArrayList<>();
    double floor = Double.NEGATIVE_INFINITY;

    Entry(long arrival) {
      this.arrival = arrival;
    }
  }

  /** Another image's similarity to an entry, at that image's feature version. */
  record Candidate(Entry other, int version, double similarity) {}

  /**
   * More than a float matrix product's rounding error on a cosine of unit vectors of a few hundred
   * dimensions: a floor is raised by it, so that it stays a bound on the exact similarity.
   */
  static final double ROUNDING = 1e-5;

  /** Candidates kept per image: enough that a nearest let go rarely needs a scan. */
  static final int CANDIDATES = 8;

  /**
   * @param capacity C
   * @param batch images per training step (B)
   * @param updates training steps per B arrivals (U)
   * @param dim the feature size (the embedding's)
   */
  public ReplayBuffer(
      int capacity, int batch, int updates, int dim, BufferPolicy policy, long seed) {
    if (capacity < batch || batch < 1 || updates < 1 || dim < 1) {
      throw new IllegalArgumentException(
          "a buffer of %d images cannot give batches of %d (%d per batch, dim %d)"
              .formatted(capacity, batch, updates, dim));
    }
    this.capacity = capacity;
    this.batch = batch;
    this.updates = updates;
    this.dim = dim;
    this.policy = policy;
    this.seed = seed;
  }

  /** Images in the buffer now. */
  public int size() {
    return entries.size();
  }

  /** Images that arrived so far. */
  public long arrivals() {
    return arrivals;
  }

  /** Images in the buffer that no step has trained yet. */
  public int untrained() {
    return (int) entries.stream().filter(e -> e.trained == 0).count();
  }

  /** Untrained images a minred buffer let go, being at {@link #HARD_LIMIT_FACTOR}·C. */
  public long evictedUntrained() {
    return evictedUntrained;
  }

  /** The arrival numbers in the buffer, oldest first: for tests. */
  public long[] contents() {
    return entries.stream().mapToLong(e -> e.arrival).toArray();
  }

  /**
   * Takes an arriving image in.
   *
   * @return the training steps due now: U at every B-th arrival (the buffer then holds a batch at
   *     least), else 0
   */
  public <T> int add(T image, Store<T> store) throws Exception {
    arrivals++;
    switch (policy) {
      case FIFO -> {
        insert(image, store);
        while (entries.size() > capacity) {
          evict(0, store);
        }
      }
      case RESERVOIR -> {
        if (entries.size() < capacity) {
          insert(image, store);
        } else {
          long j = random(RESERVOIR_STREAM, arrivals).nextLong(arrivals);
          if (j < capacity) { // the n-th image enters with chance C/n, in place of slot j
            evict((int) j, store);
            insert(image, store);
          }
        }
      }
      case MINRED -> insert(image, store);
    }
    if (arrivals % batch != 0) {
      return 0;
    }
    if (policy == BufferPolicy.MINRED) {
      evictRedundant(store);
    }
    return updates;
  }

  /**
   * The steps a finished input still owes for its last, partial batch: ⌊r·U/B⌋ for the r images
   * that came after the last B-th arrival.
   */
  public int stepsOwedAtEnd() {
    return (int) ((arrivals % batch) * updates / batch);
  }

  /** B distinct images drawn uniformly from the buffer, by arrival number: one training batch. */
  public long[] sample() {
    int n = entries.size();
    if (n < batch) {
      throw new IllegalStateException(
          "the buffer holds %d images, fewer than a batch of %d".formatted(n, batch));
    }
    SplittableRandom rng = random(SAMPLE_STREAM, draws++);
    int[] positions = new int[n];
    for (int i = 0; i < n; i++) {
      positions[i] = i;
    }
    long[] out = new long[batch];
    for (int i = 0; i < batch; i++) { // the first B of a Fisher-Yates shuffle
      int j = i + rng.nextInt(n - i);
      int t = positions[i];
      positions[i] = positions[j];
      positions[j] = t;
      out[i] = entries.get(positions[i]).arrival;
    }
    return out;
  }

  /**
   * Records that a step trained these images. For {@code minred}, {@code features} holds each
   * image's feature in the same order, [B, dim] row-major and L2-normalised; an image trained
   * before gets the Polyak average of its old and new feature, normalised again.
   */
  public void trained(long[] images, float[] features) {
    List<Entry> refreshed = new ArrayList<>();
    for (int i = 0; i < images.length; i++) {
      Entry e = byArrival.get(images[i]);
      if (e == null) {
        continue; // let go since it was drawn (not in this class's use: steps follow draws at once)
      }
      e.trained++;
      if (policy == BufferPolicy.MINRED) {
        float[] f = java.util.Arrays.copyOfRange(features, i * dim, (i + 1) * dim);
        if (e.feature != null) {
          for (int d = 0; d < dim; d++) {
            f[d] = (float) ((1 - FEATURE_MOMENTUM) * f[d] + FEATURE_MOMENTUM * e.feature[d]);
          }
          normalise(f);
        }
        e.feature = f;
        e.version++;
        if (!refreshed.contains(e)) {
          refreshed.add(e);
        }
      }
    }
    if (refreshed.isEmpty()) {
      return;
    }
    refreshed.forEach(e -> e.refreshing = true);
    try (Trained all = new Trained()) {
      float[] rows = all.similarities(refreshed);
      int n = all.size();
      for (int r = 0; r < refreshed.size(); r++) {
        Entry e = refreshed.get(r);
        all.rebuild(e, rows, r);
        // every other image learns e's new similarity: a candidate if above its floor
        for (int c = 0; c < n; c++) {
          Entry o = all.entry(c);
          if (!o.refreshing) {
            offer(o, e, rows[r * n + c]);
          }
        }
      }
      List<Entry> scan = new ArrayList<>();
      for (int c = 0; c < n; c++) {
        Entry o = all.entry(c);
        if (!o.refreshing && !settleNearest(o)) {
          scan.add(o);
        }
      }
      all.rebuild(scan);
    } finally {
      refreshed.forEach(e -> e.refreshing = false);
    }
  }

  /** {@code o}'s similarity to {@code e} changed (e's feature moved) to {@code sim}. */
  private static void offer(Entry e, Entry o, double sim) {
    // o's candidate of an older version, if any, stays until settleNearest drops it as stale: in
    // the list or not, a bound on o's similarity holds either way
    if (sim + ROUNDING <= e.floor) { // below the floor even with the product's rounding
      return;
    }
    e.candidates.add(new Candidate(o, o.version, dot(e.feature, o.feature)));
    if (e.candidates.size() > CANDIDATES) {
      Candidate least = e.candidates.get(0);
      for (Candidate c : e.candidates) {
        if (c.similarity() < least.similarity()) {
          least = c;
        }
      }
      e.candidates.remove(least);
      e.floor = Math.max(e.floor, least.similarity());
    }
  }

  /**
   * Sets {@code e}'s nearest from its candidates; false when none still valid is above its floor (a
   * scan must then tell).
   */
  private static boolean settleNearest(Entry e) {
    e.candidates.removeIf(c -> c.other().version != c.version() || !alive(c.other()));
    Candidate best = null;
    for (Candidate c : e.candidates) {
      if (best == null || c.similarity() > best.similarity()) {
        best = c;
      }
    }
    if (best == null || best.similarity() < e.floor) {
      return false;
    }
    e.nearest = best.other().arrival;
    e.nearestSimilarity = best.similarity();
    return true;
  }

  private static boolean alive(Entry e) {
    return e.in;
  }

  /**
   * The trained images of the moment and their features as one matrix, for the similarities of a
   * few of them to all: libtorch's matrix product in double precision (a scan in Java took as long
   * as a width-16 step at C = 5,000; BENCHMARKS.md).
   */
  private final class Trained implements AutoCloseable {
    private final List<Entry> rows = new ArrayList<>();
    private final float[] matrix;
    private ai.djl.ndarray.NDManager manager; // with the matrix on it, made at the first product
    private ai.djl.ndarray.NDArray transposed;

    Trained() {
      for (Entry e : entries) {
        if (e.feature != null) {
          rows.add(e);
        }
      }
      matrix = new float[rows.size() * dim];
      for (int i = 0; i < rows.size(); i++) {
        System.arraycopy(rows.get(i).feature, 0, matrix, i * dim, dim);
      }
    }

    int size() {
      return rows.size();
    }

    Entry entry(int i) {
      return rows.get(i);
    }

    /**
     * [of.size(), size()] row-major: the cosine of each of {@code of} to each trained image, in
     * float (within {@link #ROUNDING} of {@link #dot}'s).
     */
    float[] similarities(List<Entry> of) {
      float[] q = new float[of.size() * dim];
      for (int i = 0; i < of.size(); i++) {
        System.arraycopy(of.get(i).feature, 0, q, i * dim, dim);
      }
      if (manager == null) {
        manager = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu());
        transposed =
            manager.create(matrix, new ai.djl.ndarray.types.Shape(rows.size(), dim)).transpose();
      }
      try (ai.djl.ndarray.NDManager m = manager.newSubManager()) {
        ai.djl.ndarray.NDArray a = m.create(q, new ai.djl.ndarray.types.Shape(of.size(), dim));
        return a.matMul(transposed).toFloatArray();
      }
    }

    /** Each of {@code these}'s candidates and nearest from a scan of every trained image. */
    void rebuild(List<Entry> these) {
      if (these.isEmpty()) {
        return;
      }
      float[] sims = similarities(these);
      for (int r = 0; r < these.size(); r++) {
        rebuild(these.get(r), sims, r);
      }
    }

    /**
     * {@code e}'s candidates from row {@code r} of {@code sims}: the most similar images still
     * here, and the next one's similarity (a little raised: the product rounds apart from {@link
     * #dot}) as the floor.
     */
    void rebuild(Entry e, float[] sims, int r) {
      e.candidates.clear();
      e.floor = Double.NEGATIVE_INFINITY;
      int n = rows.size();
      int[] top = new int[CANDIDATES]; // the most similar so far, unordered
      int kept = 0;
      int least = -1; // the position in top of the least similar of them
      for (int c = 0; c < n; c++) {
        Entry o = rows.get(c);
        if (o == e || !alive(o)) {
          continue;
        }
        double sim = sims[r * n + c];
        if (kept < CANDIDATES) {
          top[kept++] = c;
        } else if (sim > sims[r * n + top[least]]) {
          e.floor = Math.max(e.floor, sims[r * n + top[least]] + ROUNDING);
          top[least] = c;
        } else {
          e.floor = Math.max(e.floor, sim + ROUNDING);
          continue;
        }
        least = 0;
        for (int i = 1; i < kept; i++) {
          if (sims[r * n + top[i]] < sims[r * n + top[least]]) {
            least = i;
          }
        }
      }
      for (int i = 0; i < kept; i++) {
        Entry o = rows.get(top[i]);
        e.candidates.add(new Candidate(o, o.version, dot(e.feature, o.feature)));
      }
      if (!settleNearest(e)) {
        e.nearest = -1; // no other trained image
        e.nearestSimilarity = Double.NEGATIVE_INFINITY;
      }
    }

    @Override
    public void close() {
      if (manager != null) {
        manager.close();
      }
    }
  }

  /**
   * MinRed's reduction back to C: while over, the trained image whose nearest trained neighbour is
   * most similar goes; the images whose nearest it was take their next candidate (or look again).
   * Past the hard limit, the oldest go too, trained or not.
   */
  private <T> void evictRedundant(Store<T> store) throws Exception {
    if (entries.size() > capacity) {
      try (Trained all = new Trained()) {
        reduce(all, store);
      }
    }
    while (entries.size() > HARD_LIMIT_FACTOR * capacity) {
      if (entries.get(0).trained == 0) {
        evictedUntrained++;
      }
      evict(0, store);
    }
  }

  private <T> void reduce(Trained all, Store<T> store) throws Exception {
    while (entries.size() > capacity) {
      int worst = -1;
      for (int i = 0; i < entries.size(); i++) {
        Entry e = entries.get(i);
        if (e.nearest >= 0
            && (worst < 0 || e.nearestSimilarity > entries.get(worst).nearestSimilarity)) {
          worst = i;
        }
      }
      if (worst < 0) {
        break; // fewer than two trained images: nothing redundant to tell
      }
      long gone = entries.get(worst).arrival;
      evict(worst, store);
      List<Entry> scan = new ArrayList<>();
      for (Entry e : entries) {
        if (e.nearest == gone && !settleNearest(e)) {
          scan.add(e);
        }
      }
      all.rebuild(scan);
    }
  }

  private <T> void insert(T image, Store<T> store) throws Exception {
    Entry e = new Entry(arrivals);
    entries.add(e);
    byArrival.put(e.arrival, e);
    store.put(e.arrival, image);
  }

  private <T> void evict(int position, Store<T> store) throws Exception {
    Entry e = entries.remove(position);
    e.in = false;
    byArrival.remove(e.arrival);
    store.remove(e.arrival);
  }

  private SplittableRandom random(long stream, long counter) {
    return new SplittableRandom(Seeds.mix(seed, stream, counter));
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  private static void normalise(float[] f) {
    double n = Math.sqrt(dot(f, f));
    if (n > 0) {
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) (f[i] / n);
      }
    }
  }

  /** The whole index, for a checkpoint; {@link #restore} reads it back. */
  public byte[] export() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(FORMAT);
      out.writeLong(arrivals);
      out.writeLong(draws);
      out.writeLong(evictedUntrained);
      out.writeInt(entries.size());
      for (Entry e : entries) {
        out.writeLong(e.arrival);
        out.writeInt(e.trained);
        out.writeLong(e.nearest);
        out.writeDouble(e.nearestSimilarity);
        out.writeBoolean(e.feature != null);
        if (e.feature != null) {
          for (float v : e.feature) {
            out.writeFloat(v);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Puts back an index {@link #export} wrote (for a buffer of the same settings). */
  public void restore(byte[] exported) {
    entries.clear();
    byArrival.clear();
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(exported))) {
      int format = in.readInt();
      if (format != FORMAT) {
        throw new IllegalStateException("replay buffer index of format " + format + " unknown");
      }
      arrivals = in.readLong();
      draws = in.readLong();
      evictedUntrained = in.readLong();
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        Entry e = new Entry(in.readLong());
        e.floor = Double.POSITIVE_INFINITY; // its candidates are not kept: a scan tells them again
        e.trained = in.readInt();
        e.nearest = in.readLong();
        e.nearestSimilarity = in.readDouble();
        if (in.readBoolean()) {
          e.feature = new float[dim];
          for (int d = 0; d < dim; d++) {
            e.feature[d] = in.readFloat();
          }
        }
        entries.add(e);
        byArrival.put(e.arrival, e);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

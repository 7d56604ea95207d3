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
   * minred: the cosine of a trained image to its most similar other trained image as the buffer
   * keeps it ({@code -Infinity} with none): for tests against a scan.
   */
  double nearestSimilarity(long arrival) {
    return byArrival.get(arrival).nearestSimilarity;
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
    try (Trained all = new Trained();
        ai.djl.ndarray.NDManager m = all.newSubManager()) {
      ai.djl.ndarray.NDArray sims = all.similarities(refreshed, m);
      all.rebuild(refreshed, sims);
      // every other image learns a refreshed one's new similarity where it may count: above the
      // other's floor. The float product's rounding is allowed for twice, and offer() checks each
      // pair exactly, so no pair it would take is left out (floors only rise while offering)
      int n = all.size();
      float[] thresholds = new float[n];
      for (int c = 0; c < n; c++) {
        Entry o = all.entry(c);
        thresholds[c] = o.refreshing ? Float.POSITIVE_INFINITY : (float) (o.floor - 2 * ROUNDING);
      }
      long[] pairs = all.above(sims, thresholds);
      for (int i = 0; i < pairs.length; i += 2) {
        Entry e = refreshed.get((int) pairs[i]);
        Entry o = all.entry((int) pairs[i + 1]);
        offer(o, e, dot(o.feature, e.feature));
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

  /** {@code o}'s similarity to {@code e} changed (o's feature moved) to {@code sim}, exactly. */
  private static void offer(Entry e, Entry o, double sim) {
    // o's candidate of an older version, if any, stays until settleNearest drops it as stale: in
    // the list or not, a bound on o's similarity holds either way
    if (sim <= e.floor) {
      return;
    }
    e.candidates.add(new Candidate(o, o.version, sim));
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
   * few of them to all: libtorch's matrix product in float, ranked and compared there, so that only
   * the top of each row and the pairs above a floor come back (a scan in Java took as long as a
   * width-16 step at C = 5,000; BENCHMARKS.md).
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

    /** A manager for one use of the matrix's products, released with the matrix. */
    ai.djl.ndarray.NDManager newSubManager() {
      if (manager == null) {
        manager = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu());
        transposed =
            manager.create(matrix, new ai.djl.ndarray.types.Shape(rows.size(), dim)).transpose();
      }
      return manager.newSubManager();
    }

    /**
     * [of.size(), size()] on {@code m}: the cosine of each of {@code of} to each trained image, in
     * float (within {@link #ROUNDING} of {@link #dot}'s).
     */
    ai.djl.ndarray.NDArray similarities(List<Entry> of, ai.djl.ndarray.NDManager m) {
      float[] q = new float[of.size() * dim];
      for (int i = 0; i < of.size(); i++) {
        System.arraycopy(of.get(i).feature, 0, q, i * dim, dim);
      }
      return m.create(q, new ai.djl.ndarray.types.Shape(of.size(), dim)).matMul(transposed);
    }

    /** Each of {@code these}'s candidates and nearest from a scan of every trained image. */
    void rebuild(List<Entry> these) {
      if (these.isEmpty()) {
        return;
      }
      try (ai.djl.ndarray.NDManager m = newSubManager()) {
        rebuild(these, similarities(these, m));
      }
    }

    /**
     * Each of {@code these}'s candidates from its row of {@code sims}: the most similar images
     * still here, and the next one's similarity (a little raised: the product rounds apart from
     * {@link #dot}) as the floor. The row is ranked by libtorch; only its top comes back.
     */
    void rebuild(List<Entry> these, ai.djl.ndarray.NDArray sims) {
      int n = rows.size();
      float[] gone = new float[n];
      boolean anyGone = false;
      for (int c = 0; c < n; c++) {
        if (!alive(rows.get(c))) {
          gone[c] = Float.NEGATIVE_INFINITY;
          anyGone = true;
        }
      }
      ai.djl.ndarray.NDArray ranked =
          anyGone
              ? sims.add(sims.getManager().create(gone, new ai.djl.ndarray.types.Shape(1, n)))
              : sims;
      // the image itself is among the most similar (its own cosine is 1): one more to skip it
      int k = Math.min(n, CANDIDATES + 2);
      ai.djl.ndarray.NDList top = ranked.topK(k, 1, true, true);
      float[] values = top.get(0).toFloatArray();
      long[] columns = top.get(1).toLongArray();
      for (int r = 0; r < these.size(); r++) {
        Entry e = these.get(r);
        e.candidates.clear();
        e.floor = Double.NEGATIVE_INFINITY;
        for (int j = r * k; j < (r + 1) * k && values[j] != Float.NEGATIVE_INFINITY; j++) {
          Entry o = rows.get((int) columns[j]);
          if (o == e) {
            continue;
          }
          if (e.candidates.size() == CANDIDATES) {
            e.floor = values[j] + ROUNDING;
            break;
          }
          e.candidates.add(new Candidate(o, o.version, dot(e.feature, o.feature)));
        }
        if (!settleNearest(e)) {
          e.nearest = -1; // no other trained image
          e.nearestSimilarity = Double.NEGATIVE_INFINITY;
        }
      }
    }

    /**
     * The (row, column) pairs, row-major and flattened, where {@code sims} exceeds the column's
     * threshold.
     */
    long[] above(ai.djl.ndarray.NDArray sims, float[] thresholds) {
      ai.djl.ndarray.NDArray limit =
          sims.getManager()
              .create(thresholds, new ai.djl.ndarray.types.Shape(1, thresholds.length));
      return sims.gt(limit).nonzero().toLongArray();
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
    // the most redundant first, the older on a tie. An orphan whose candidates ran out is ranked
    // by its floor, a bound on its nearest, and scanned only if that bound comes first (most
    // never do; the rest are scanned together at the end). A ranking that no longer holds is
    // passed over when it comes up.
    java.util.PriorityQueue<Ranked> byRedundancy = new java.util.PriorityQueue<>();
    Map<Long, List<Entry>> nearestOf = new HashMap<>(); // arrival -> the images it is nearest to
    java.util.Set<Entry> unsure = new java.util.HashSet<>();
    for (Entry e : entries) {
      rank(e, byRedundancy, nearestOf);
    }
    while (entries.size() > capacity) {
      Ranked worst = byRedundancy.poll();
      if (worst == null) {
        break; // fewer than two trained images: nothing redundant to tell
      }
      Entry e = worst.entry;
      if (!e.in || worst.bound != unsure.contains(e)) {
        continue;
      }
      if (worst.bound) {
        unsure.remove(e);
        all.rebuild(List.of(e));
        rank(e, byRedundancy, nearestOf);
        continue;
      }
      if (e.nearest < 0 || e.nearestSimilarity != worst.similarity) {
        continue;
      }
      long gone = e.arrival;
      evict(position(gone), store);
      List<Entry> orphans = new ArrayList<>(nearestOf.getOrDefault(gone, List.of()));
      nearestOf.remove(gone);
      orphans.removeIf(o -> !o.in || o.nearest != gone);
      for (Entry o : orphans) {
        if (settleNearest(o)) {
          rank(o, byRedundancy, nearestOf);
        } else {
          unsure.add(o);
          byRedundancy.add(new Ranked(o, o.floor, true));
        }
      }
    }
    List<Entry> scan = new ArrayList<>();
    for (Entry e : entries) {
      if (unsure.contains(e)) {
        scan.add(e);
      }
    }
    all.rebuild(scan);
  }

  /**
   * An image's place in the eviction order as it was when ranked: by its nearest's similarity, or
   * by a bound on it ({@code bound}) until a scan tells; a bound goes before an equal similarity.
   */
  private record Ranked(Entry entry, double similarity, boolean bound)
      implements Comparable<Ranked> {
    @Override
    public int compareTo(Ranked o) {
      int bySimilarity = Double.compare(o.similarity, similarity);
      if (bySimilarity != 0) {
        return bySimilarity;
      }
      if (bound != o.bound) {
        return bound ? -1 : 1;
      }
      return Long.compare(entry.arrival, o.entry.arrival);
    }
  }

  private static void rank(
      Entry e, java.util.PriorityQueue<Ranked> ranking, Map<Long, List<Entry>> nearestOf) {
    if (e.nearest >= 0) {
      ranking.add(new Ranked(e, e.nearestSimilarity, false));
      nearestOf.computeIfAbsent(e.nearest, k -> new ArrayList<>()).add(e);
    }
  }

  /**
   * Where the image that arrived {@code arrival} is in {@link #entries} (kept in arrival order).
   */
  private int position(long arrival) {
    int lo = 0;
    int hi = entries.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      long a = entries.get(mid).arrival;
      if (a < arrival) {
        lo = mid + 1;
      } else if (a > arrival) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    throw new IllegalStateException("image " + arrival + " is not in the buffer");
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

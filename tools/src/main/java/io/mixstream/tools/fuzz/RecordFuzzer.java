package io.mixstream.tools.fuzz;

import io.mixstream.records.ImageRecordCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Hostile Kafka records made from valid image records: random bytes, truncations, flipped bits,
 * huge declared lengths, valid headers with wrong shapes, empty values, tombstones and null keys.
 * Some of them happen to be valid (a bit flipped in the pixels, a valid record without a key):
 * whether one is, is for the codec to say, not for the fuzzer.
 */
public final class RecordFuzzer {
  /** How a record was made. */
  public enum Kind {
    RANDOM_BYTES,
    TRUNCATED,
    FLIPPED_BITS,
    HUGE_ID_LENGTH,
    HUGE_PIXEL_COUNT,
    WRONG_SHAPE,
    EMPTY_VALUE,
    NULL_VALUE,
    NULL_KEY
  }

  /**
   * One hostile record.
   *
   * @param key null for {@link Kind#NULL_KEY}
   * @param value null for {@link Kind#NULL_VALUE} (a tombstone)
   */
  public record Fuzzed(Kind kind, byte[] key, byte[] value) {}

  private final List<byte[]> valid;
  private final SplittableRandom random;

  /**
   * @param valid encoded image records to start from
   */
  public RecordFuzzer(List<byte[]> valid, long seed) {
    if (valid.isEmpty()) {
      throw new IllegalArgumentException("needs at least one valid record to start from");
    }
    this.valid = List.copyOf(valid);
    this.random = new SplittableRandom(seed);
  }

  /** The {@code index}-th record, keyed fuzz-INDEX (but for {@link Kind#NULL_KEY}). */
  public Fuzzed next(long index) {
    Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
    byte[] key = ("fuzz-" + index).getBytes(StandardCharsets.UTF_8);
    byte[] base = valid.get(random.nextInt(valid.size()));
    return switch (kind) {
      case RANDOM_BYTES -> new Fuzzed(kind, key, bytes(random.nextInt(1, 4096)));
      case TRUNCATED -> new Fuzzed(kind, key, Arrays.copyOf(base, random.nextInt(base.length)));
      case FLIPPED_BITS -> {
        byte[] v = base.clone();
        int flips = random.nextInt(1, 9);
        for (int i = 0; i < flips; i++) {
          int bit = random.nextInt(v.length * 8);
          v[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        yield new Fuzzed(kind, key, v);
      }
      case HUGE_ID_LENGTH -> {
        byte[] v = base.clone();
        ByteBuffer.wrap(v).putShort(14, (short) 0xFFFF);
        yield new Fuzzed(kind, key, v);
      }
      case HUGE_PIXEL_COUNT -> {
        byte[] v = base.clone();
        int idLength = Short.toUnsignedInt(ByteBuffer.wrap(v).getShort(14));
        int count = random.nextBoolean() ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        ByteBuffer.wrap(v).putInt(ImageRecordCodec.HEADER_BYTES - 4 + idLength, count);
        yield new Fuzzed(kind, key, v);
      }
      case WRONG_SHAPE -> {
        byte[] v = base.clone();
        ByteBuffer b = ByteBuffer.wrap(v);
        b.putShort(8, (short) random.nextInt(1, 4096)); // height
        b.putShort(10, (short) random.nextInt(1, 4096)); // width
        v[12] = (byte) (random.nextBoolean() ? 1 : 3); // channels
        yield new Fuzzed(kind, key, v);
      }
      case EMPTY_VALUE -> new Fuzzed(kind, key, new byte[0]);
      case NULL_VALUE -> new Fuzzed(kind, key, null);
      case NULL_KEY ->
          new Fuzzed(kind, null, random.nextBoolean() ? base.clone() : bytes(random.nextInt(64)));
    };
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) random.nextInt(256);
    }
    return b;
  }
}

package io.mixstream.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrainedDigestTest {
  /** FNV-1a and SplitMix64's finaliser written out with BigInteger, the slow obvious way. */
  private static long slowHash(String id, int epoch) {
    BigInteger mod = BigInteger.ONE.shiftLeft(64);
    BigInteger prime = new BigInteger("100000001b3", 16);
    BigInteger h = new BigInteger("cbf29ce484222325", 16);
    byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[bytes.length + 4];
    System.arraycopy(bytes, 0, all, 0, bytes.length);
    for (int i = 0; i < 4; i++) {
      all[bytes.length + i] = (byte) (epoch >>> (24 - 8 * i));
    }
    for (byte b : all) {
      h = h.xor(BigInteger.valueOf(b & 0xff)).multiply(prime).mod(mod);
    }
    h = h.xor(h.shiftRight(30)).multiply(new BigInteger("bf58476d1ce4e5b9", 16)).mod(mod);
    h = h.xor(h.shiftRight(27)).multiply(new BigInteger("94d049bb133111eb", 16)).mod(mod);
    return h.xor(h.shiftRight(31)).longValue();
  }

  @Test
  void theHashIsFnvThenSplitMixAndTheDigestIgnoresOrderButNotRepeats() {
    for (String id : List.of("cifar10-test-00000", "x", "bild-ü-42")) {
      for (int epoch : new int[] {0, 1, 7, 300}) {
        assertThat(TrainedDigest.hash(id, epoch)).isEqualTo(slowHash(id, epoch));
      }
    }
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ids.add("img-" + i);
    }
    TrainedDigest a = new TrainedDigest();
    ids.forEach(id -> a.add(id, 1));
    Collections.shuffle(ids, new Random(3));
    TrainedDigest b = new TrainedDigest();
    ids.forEach(id -> b.add(id, 1));
    assertThat(b).isEqualTo(a);
    b.add("img-5", 1);
    assertThat(b).isNotEqualTo(a);
    TrainedDigest c = new TrainedDigest();
    ids.forEach(id -> c.add(id, 2));
    assertThat(c.count()).isEqualTo(a.count());
    assertThat(c.sum()).as("another epoch").isNotEqualTo(a.sum());
  }
}

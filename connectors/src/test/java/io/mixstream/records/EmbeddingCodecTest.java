package io.mixstream.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EmbeddingCodecTest {
  static final EmbeddingRecord R =
      new EmbeddingRecord(
          "default", "cifar10-test-00007", 3, 1200, new float[] {0.5f, -0.25f, 1e-7f});

  @Test
  void binaryIsLaidOutAsTheReadmeSays() {
    byte[] b = EmbeddingCodec.encode(R, EmbeddingCodec.Format.BINARY);
    ByteBuffer in = ByteBuffer.wrap(b);
    byte[] magic = new byte[4];
    in.get(magic);
    assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("MXEM");
    assertThat(in.get()).isEqualTo((byte) 1);
    assertThat(in.getLong()).isEqualTo(1200);
    assertThat(in.getInt()).isEqualTo(3);
    assertThat(in.getShort()).isEqualTo((short) 7);
    in.position(in.position() + 7);
    assertThat(in.getShort()).isEqualTo((short) 18);
    in.position(in.position() + 18);
    assertThat(in.getInt()).isEqualTo(3);
    assertThat(in.getFloat()).isEqualTo(0.5f);
    assertThat(in.getFloat()).isEqualTo(-0.25f);
    assertThat(in.getFloat()).isEqualTo(1e-7f);
    assertThat(in.remaining()).isZero();
  }

  @Test
  void bothFormatsRoundTripExactly() {
    for (EmbeddingCodec.Format f : EmbeddingCodec.Format.values()) {
      assertThat(EmbeddingCodec.decode(EmbeddingCodec.encode(R, f))).as(f.name()).isEqualTo(R);
    }
    assertThat(EmbeddingCodec.json(R))
        .startsWith("{\"model\":\"default\",\"id\":\"cifar10-test-00007\"");
  }

  @Test
  void malformedRecordsAreRejectedWithTheReason() {
    byte[] good = EmbeddingCodec.encode(R, EmbeddingCodec.Format.BINARY);
    assertThatThrownBy(() -> EmbeddingCodec.decode(Arrays.copyOf(good, good.length - 1)))
        .hasMessageContaining("dimension 3 has 11 bytes");
    assertThatThrownBy(() -> EmbeddingCodec.decode(Arrays.copyOf(good, 10)))
        .hasMessageContaining("truncated");
    byte[] magic = good.clone();
    magic[0] = 'X';
    assertThatThrownBy(() -> EmbeddingCodec.decode(magic)).hasMessageContaining("bad magic");
    byte[] version = good.clone();
    version[4] = 2;
    assertThatThrownBy(() -> EmbeddingCodec.decode(version)).hasMessageContaining("version 2");
    assertThatThrownBy(
            () -> EmbeddingCodec.decode("{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("not an embedding record in JSON");
    assertThatThrownBy(() -> EmbeddingCodec.decode(new byte[0])).hasMessageContaining("truncated");
    assertThatThrownBy(
            () ->
                EmbeddingCodec.decode(
                    "{\"model\":{},\"id\":1,\"label\":0,\"step\":0,\"vector\":[]}"
                        .getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("not an embedding record in JSON");
  }

  @Test
  void randomDamageNeverThrowsAnythingButTheCodecsError() {
    byte[] good = EmbeddingCodec.encode(R, EmbeddingCodec.Format.BINARY);
    SplittableRandom r = new SplittableRandom(4);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = Arrays.copyOf(good, 1 + r.nextInt(good.length + 8));
      for (int k = 0; k < 1 + r.nextInt(4); k++) {
        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
      }
      try {
        EmbeddingCodec.decode(b);
      } catch (IllegalArgumentException expected) {
        // the one error a consumer has to handle
      }
    }
  }
}

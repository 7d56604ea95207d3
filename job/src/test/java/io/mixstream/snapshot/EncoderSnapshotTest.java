package io.mixstream.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.eval.LoadedEncoder;
import io.mixstream.snapshot.Safetensors.Tensor;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.TrainerFixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EncoderSnapshotTest {
  @Test
  void safetensorsBytesAreLaidOutAsTheFormatSays() {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("w", Tensor.f32(new long[] {2}, new float[] {1.5f, -2f}));
    t.put("n", Tensor.i64(new long[0], new long[] {7}));
    byte[] bytes = Safetensors.write(t, Map.of("step", "3"));
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength = b.getLong();
    assertThat(headerLength % 8).isZero();
    String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8).trim();
    assertThat(header)
        .isEqualTo(
            "{\"__metadata__\":{\"step\":\"3\"},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}");
    b.position(8 + (int) headerLength);
    assertThat(b.getFloat()).isEqualTo(1.5f);
    assertThat(b.getFloat()).isEqualTo(-2f);
    assertThat(b.getLong()).isEqualTo(7);
    assertThat(b.remaining()).isZero();

    Safetensors.Contents back = Safetensors.read(bytes);
    assertThat(back.metadata()).containsExactly(Map.entry("step", "3"));
    assertThat(back.tensors().get("w").floats()).containsExactly(1.5f, -2f);
    assertThat(back.tensors().get("n").longs()).containsExactly(7L);
  }

  @Test
  void corruptFilesAreRejectedWithTheReason() {
    byte[] good =
        Safetensors.write(Map.of("w", Tensor.f32(new long[] {2}, new float[] {1, 2})), Map.of());
    assertThatThrownBy(() -> Safetensors.read(Arrays.copyOf(good, good.length - 4)))
        .hasMessageContaining("data_offsets");
    assertThatThrownBy(() -> Safetensors.read(new byte[] {1, 2, 3}))
        .hasMessageContaining("not a safetensors file");
    byte[] huge = good.clone();
    huge[0] = (byte) 0xFF;
    assertThatThrownBy(() -> Safetensors.read(huge)).hasMessageContaining("header length");
    assertThatThrownBy(() -> EncoderSnapshot.fromSafetensors(good))
        .hasMessageContaining("not a mixstream encoder snapshot");
  }

  @Test
  void aSnapshotLoadedBackGivesTheTrainersEmbeddingsExactly() {
    TrainingConfig c = TrainerFixtures.tiny(Method.APPROACH2);
    byte[][] images = TrainerFixtures.cifar(100, 40);
    try (MocoTrainer trainer = TrainerFixtures.trainer(c)) {
      for (int s = 0; s < 3; s++) {
        trainer.step(TrainerFixtures.cifar(s * c.batchSize(), c.batchSize()));
      }
      EncoderSnapshot snap = trainer.encoderSnapshot();
      byte[] bytes = snap.toSafetensors();
      EncoderSnapshot back = EncoderSnapshot.fromSafetensors(bytes);
      assertThat(back.step()).isEqualTo(3);
      assertThat(back.method()).isEqualTo("approach2");
      assertThat(back.width()).isEqualTo(c.model().width());
      assertThat(back.tensors().keySet())
          .startsWith("conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean")
          .contains("bn1.num_batches_tracked", "layer2.0.downsample.0.weight", "fc.bias")
          .doesNotContain("region_proj.weight");
      assertThat(back.sidecarJson()).contains("\"method\": \"approach2\"", "\"batchSize\": 16");
      // the snapshot files' sink reads the header alone
      assertThat(EncoderSnapshot.sidecarJson(Safetensors.readMetadata(bytes)))
          .isEqualTo(snap.sidecarJson());
      try (LoadedEncoder encoder = new LoadedEncoder(back, Device.cpu())) {
        assertThat(encoder.embed(images)).containsExactly(trainer.embed(images));
      }
    }
  }

  @Test
  void aSnapshotOfAnotherShapeIsRefusedByName() {
    try (MocoTrainer trainer = TrainerFixtures.trainer(TrainerFixtures.tiny(Method.MOCO))) {
      EncoderSnapshot s = trainer.encoderSnapshot();
      Map<String, Tensor> missing = new LinkedHashMap<>(s.tensors());
      missing.remove("layer3.1.conv2.weight");
      EncoderSnapshot broken =
          new EncoderSnapshot(
              s.step(),
              s.method(),
              s.width(),
              s.embeddingDim(),
              s.stem(),
              s.imageSize(),
              s.normalization(),
              s.configJson(),
              missing);
      assertThatThrownBy(() -> new LoadedEncoder(broken, Device.cpu()))
          .hasMessageContaining("layer3.1.conv2.weight");
    }
  }
}

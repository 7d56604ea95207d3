package io.mixstream.tools.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import io.mixstream.augment.EvalTransform;
import io.mixstream.augment.SourceImage;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.Method;
import io.mixstream.config.Stem;
import io.mixstream.config.TrainingConfig;
import io.mixstream.testing.SharedData;
import io.mixstream.train.MocoTrainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot loaded in PyTorch by tools/python/mixstream_snapshot.py (its own ResNet-18 code,
 * torchvision's names, strict loading) gives the embeddings the Java trainer computes: cosine ≥
 * 0.9999 for every image. Needs a python3 with torch and numpy (Debian: python3-torch); without one
 * the test is skipped and says so.
 */
@Tag("integration")
class SnapshotInPyTorchTest {
  static final String PYTHON = System.getenv().getOrDefault("MIXSTREAM_PYTHON", "/usr/bin/python3");

  @Test
  void pyTorchComputesTheSameEmbeddingsFromASnapshot(@TempDir Path tmp) throws Exception {
    assumeTrue(torchAvailable(), PYTHON + " cannot import torch and numpy: skipped");
    TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
    b.method = Method.APPROACH1;
    b.width = 8;
    b.batchSize = 32;
    b.queueSize = 256;
    b.seed = 11;
    Cifar10Dataset test = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    int n = 64;
    byte[][] images = new byte[n][];
    byte[] flat = new byte[n * 3072];
    for (int i = 0; i < n; i++) {
      images[i] = test.pixels(i);
      System.arraycopy(images[i], 0, flat, i * 3072, 3072);
    }
    Path snapshot = tmp.resolve("step.safetensors");
    try (MocoTrainer trainer = new MocoTrainer(b.build(), Device.cpu())) {
      for (int s = 0; s < 4; s++) { // BN running statistics away from their initial values
        byte[][] batch = new byte[32][];
        for (int i = 0; i < 32; i++) {
          batch[i] = test.pixels(1000 + s * 32 + i);
        }
        trainer.step(batch);
      }
      Files.write(snapshot, trainer.encoderSnapshot().toSafetensors());
      NpyWriter.writeFloat32(tmp.resolve("emb.npy"), trainer.embed(images), n, 128);
    }
    NpyWriter.writeUint8(tmp.resolve("img.npy"), flat, n, 3, 32, 32);

    Process p =
        new ProcessBuilder(
                PYTHON,
                script().toString(),
                snapshot.toString(),
                tmp.resolve("img.npy").toString(),
                tmp.resolve("emb.npy").toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    System.out.println("PyTorch check: " + out.trim());
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("\"step\": 4", "\"method\": \"approach1\"", "\"images\": 64");
    double minCosine =
        Double.parseDouble(out.replaceAll("(?s).*\"min_cosine\": ([0-9.eE+-]+).*", "$1"));
    assertThat(minCosine).isGreaterThanOrEqualTo(0.9999);
  }

  /**
   * At width 64 an imagenet-stem snapshot is torchvision's resnet18(num_classes=128) with no edits:
   * strict loading, and its embeddings of 96 px images are the trainer's.
   */
  @Test
  void anImagenetStemSnapshotLoadsIntoTorchvisionsResnet18Unchanged(@TempDir Path tmp)
      throws Exception {
    assumeTrue(
        available("import torch, numpy, torchvision"),
        PYTHON + " cannot import torchvision (Debian: python3-torchvision): skipped");
    TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
    b.width = 64;
    b.batchSize = 16;
    b.queueSize = 64;
    b.imageSize = 96;
    b.stem = Stem.IMAGENET;
    b.normalization = "imagenet";
    Cifar10Dataset test = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    int n = 16;
    int side = 96;
    byte[][] images = new byte[n][];
    byte[] flat = new byte[n * 3 * side * side];
    for (int i = 0; i < n; i++) {
      images[i] = EvalTransform.toSquare(SourceImage.cifar(test.pixels(i)), side);
      System.arraycopy(images[i], 0, flat, i * images[i].length, images[i].length);
    }
    Path snapshot = tmp.resolve("step.safetensors");
    try (MocoTrainer trainer = new MocoTrainer(b.build(), Device.cpu())) {
      byte[][] batch = new byte[16][];
      for (int i = 0; i < 16; i++) {
        batch[i] = test.pixels(500 + i);
      }
      trainer.step(batch); // BN running statistics away from their initial values
      Files.write(snapshot, trainer.encoderSnapshot().toSafetensors());
      NpyWriter.writeFloat32(tmp.resolve("emb.npy"), trainer.embed(images), n, 128);
    }
    NpyWriter.writeUint8(tmp.resolve("img.npy"), flat, n, 3, side, side);
    Path check = tmp.resolve("torchvision_check.py");
    Files.writeString(
        check,
        String.join(
            "\n",
            "import json, sys, numpy as np, torch, torchvision, torch.nn.functional as F",
            "sys.path.insert(0, sys.argv[4])",
            "from mixstream_snapshot import read_safetensors, preprocess",
            "state, meta = read_safetensors(sys.argv[1])",
            "m = torchvision.models.resnet18(num_classes=int(meta['embedding_dim']))",
            "m.load_state_dict(state, strict=True)",
            "m.eval()",
            "with torch.no_grad():",
            "    z = F.normalize(m(preprocess(np.load(sys.argv[2]), meta['normalization'])), dim=1)",
            "theirs = F.normalize(torch.as_tensor(np.load(sys.argv[3])), dim=1)",
            "print(json.dumps({'stem': meta['stem'], 'image_size': int(meta['image_size']),",
            "                  'min_cosine': float((z * theirs).sum(1).min())}))",
            ""),
        StandardCharsets.UTF_8);
    Process p =
        new ProcessBuilder(
                PYTHON,
                check.toString(),
                snapshot.toString(),
                tmp.resolve("img.npy").toString(),
                tmp.resolve("emb.npy").toString(),
                script().getParent().toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    System.out.println("torchvision check: " + out.trim());
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("\"stem\": \"imagenet\"", "\"image_size\": 96");
    double minCosine =
        Double.parseDouble(out.replaceAll("(?s).*\"min_cosine\": ([0-9.eE+-]+).*", "$1"));
    assertThat(minCosine).isGreaterThanOrEqualTo(0.9999);
  }

  /**
   * A BYOL and a SimCLR snapshot: the backbone alone loads into torchvision's resnet18 with {@code
   * fc = Identity()} and {@code strict=True}, and gives the trainer's embeddings (the pooled
   * features, 8·width = 512); each head named in the metadata loads strictly into an nn.Sequential
   * of Linear, BatchNorm1d, ReLU, Linear of the sizes §13-14 give.
   */
  @Test
  void simclrAndByolBackbonesLoadIntoTorchvisionsResnet18WithAnIdentityFc(@TempDir Path tmp)
      throws Exception {
    assumeTrue(
        available("import torch, numpy, torchvision"),
        PYTHON + " cannot import torchvision (Debian: python3-torchvision): skipped");
    Cifar10Dataset test = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    int n = 16;
    int side = 64;
    byte[][] images = new byte[n][];
    byte[] flat = new byte[n * 3 * side * side];
    for (int i = 0; i < n; i++) {
      images[i] = EvalTransform.toSquare(SourceImage.cifar(test.pixels(i)), side);
      System.arraycopy(images[i], 0, flat, i * images[i].length, images[i].length);
    }
    NpyWriter.writeUint8(tmp.resolve("img.npy"), flat, n, 3, side, side);
    Path check = tmp.resolve("heads_check.py");
    Files.writeString(
        check,
        String.join(
            "\n",
            "import json, sys, numpy as np, torch, torchvision, torch.nn as nn",
            "import torch.nn.functional as F",
            "sys.path.insert(0, sys.argv[4])",
            "from mixstream_snapshot import read_safetensors, preprocess, backbone_state,"
                + " head_state, heads",
            "state, meta = read_safetensors(sys.argv[1])",
            "m = torchvision.models.resnet18()",
            "m.fc = nn.Identity()",
            "m.load_state_dict(backbone_state(state, meta), strict=True)",
            "m.eval()",
            "sizes = {}",
            "for h in heads(meta):",
            "    hs = head_state(state, h)",
            "    hidden, d_in = hs['0.weight'].shape",
            "    d_out = hs['3.weight'].shape[0]",
            "    nn.Sequential(nn.Linear(d_in, hidden, bias=False), nn.BatchNorm1d(hidden),",
            "                  nn.ReLU(), nn.Linear(hidden, d_out)).load_state_dict(hs, strict=True)",
            "    sizes[h] = [d_in, hidden, d_out]",
            "with torch.no_grad():",
            "    z = F.normalize(m(preprocess(np.load(sys.argv[2]), meta['normalization'])), dim=1)",
            "theirs = F.normalize(torch.as_tensor(np.load(sys.argv[3])), dim=1)",
            "print(json.dumps({'method': meta['method'], 'feature': meta['feature'],",
            "                  'dim': int(meta['embedding_dim']), 'heads': sizes,",
            "                  'min_cosine': float((z * theirs).sum(1).min())}))",
            ""),
        StandardCharsets.UTF_8);
    for (Method method : new Method[] {Method.BYOL, Method.SIMCLR}) {
      TrainingConfig.Builder b = TrainingConfig.defaults(method).toBuilder();
      b.width = 64;
      b.batchSize = 16;
      b.queueSize = 64;
      b.imageSize = side;
      b.stem = Stem.IMAGENET;
      b.normalization = "imagenet";
      b.byolHidden = 32;
      Path snapshot = tmp.resolve(method + ".safetensors");
      try (MocoTrainer trainer = new MocoTrainer(b.build(), Device.cpu())) {
        byte[][] batch = new byte[16][];
        for (int i = 0; i < 16; i++) {
          batch[i] = test.pixels(500 + i);
        }
        trainer.step(batch); // BN running statistics away from their initial values
        Files.write(snapshot, trainer.encoderSnapshot().toSafetensors());
        NpyWriter.writeFloat32(tmp.resolve("emb.npy"), trainer.embed(images), n, 512);
      }
      Process p =
          new ProcessBuilder(
                  PYTHON,
                  check.toString(),
                  snapshot.toString(),
                  tmp.resolve("img.npy").toString(),
                  tmp.resolve("emb.npy").toString(),
                  script().getParent().toString())
              .redirectErrorStream(true)
              .start();
      assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      System.out.println(method + " torchvision check: " + out.trim());
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).contains("\"feature\": \"pooled\"", "\"dim\": 512");
      assertThat(out)
          .contains(
              method == Method.BYOL
                  ? "\"heads\": {\"projector\": [512, 32, 256], \"predictor\": [256, 32, 256]}"
                  : "\"heads\": {\"projector\": [512, 512, 128]}");
      double minCosine =
          Double.parseDouble(out.replaceAll("(?s).*\"min_cosine\": ([0-9.eE+-]+).*", "$1"));
      assertThat(minCosine).isGreaterThanOrEqualTo(0.9999);
    }
  }

  static Path script() {
    Path here = Path.of("").toAbsolutePath();
    Path s = here.resolve("python/mixstream_snapshot.py"); // run from tools/
    return Files.exists(s) ? s : here.resolve("tools/python/mixstream_snapshot.py");
  }

  static boolean torchAvailable() {
    return available("import torch, numpy");
  }

  static boolean available(String imports) {
    try {
      Process p = new ProcessBuilder(PYTHON, "-c", imports).redirectErrorStream(true).start();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}

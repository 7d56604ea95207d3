package io.mixstream.snapshot;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mixstream.config.ChannelStats;
import io.mixstream.config.Stem;
import io.mixstream.config.TrainingConfig;
import io.mixstream.model.NamedTensor;
import io.mixstream.model.ResNet18Encoder;
import io.mixstream.snapshot.Safetensors.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The query encoder at one step, as PyTorch names it: torchvision's ResNet-18 tensor names ({@code
 * conv1.weight}, {@code layer1.0.bn1.running_mean}, ..., {@code fc.bias}) plus each BatchNorm's
 * {@code num_batches_tracked}, so that {@code load_state_dict} accepts it strictly. Stored as
 * safetensors whose metadata carries the step, the method, the width and the whole training config
 * as JSON. SimCLR's and BYOL's encoder has no {@code fc} (its feature is the pooled backbone, §15);
 * their projector and predictor sit beside it under their own prefixes, which the metadata's {@code
 * heads} names, so that the backbone's tensors alone load into torchvision's resnet18 with {@code
 * fc = Identity()}.
 *
 * @param step training steps done when the snapshot was taken
 * @param method the method's command-line name
 * @param width the encoder's stem width
 * @param embeddingDim the size of its kNN feature and embedding: the fc's output, or 8·width
 * @param stem the encoder's stem, cifar or imagenet
 * @param imageSize the side S of the images it was trained on (and evaluates)
 * @param normalization the per-channel mean and std of its inputs ({@link ChannelStats#parse})
 * @param configJson the full training config, as JSON
 * @param tensors every tensor, in the encoder's order
 */
public record EncoderSnapshot(
    long step,
    String method,
    int width,
    int embeddingDim,
    Stem stem,
    int imageSize,
    String normalization,
    String configJson,
    Map<String, Tensor> tensors) {
  public static final String FORMAT = "mixstream-encoder/1";

  /** The first name segments of a torchvision ResNet's own tensors. */
  private static final java.util.Set<String> BACKBONE =
      java.util.Set.of("conv1", "bn1", "layer1", "layer2", "layer3", "layer4", "fc");

  /**
   * Copies the encoder's tensors, and those of the heads kept beside it, to the host.
   *
   * @param heads SimCLR's projector, BYOL's projector and predictor; empty for the MoCo family
   */
  public static EncoderSnapshot of(
      ResNet18Encoder encoder,
      java.util.List<NamedTensor> heads,
      TrainingConfig config,
      long step) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    java.util.List<NamedTensor> all = new java.util.ArrayList<>(encoder.tensors());
    all.addAll(heads);
    for (NamedTensor t : all) {
      tensors.put(t.name(), Tensor.f32(t.array().getShape().getShape(), t.array().toFloatArray()));
      if (t.name().endsWith(".running_var")) {
        String bn = t.name().substring(0, t.name().length() - ".running_var".length());
        tensors.put(bn + ".num_batches_tracked", Tensor.i64(new long[0], new long[] {step}));
      }
    }
    String json =
        new GsonBuilder()
            .serializeSpecialFloatingPointValues() // fixedLambda is NaN when off
            .create()
            .toJson(config.asMap());
    return new EncoderSnapshot(
        step,
        config.method().toString(),
        encoder.width(),
        config.featureDim(),
        config.model().resolvedStem(),
        config.model().imageSize(),
        config.augmentation().normalization(),
        json,
        tensors);
  }

  /**
   * The name of the first tensor holding a value that is not a finite number, if any: such a
   * snapshot is never written or served, since every embedding from it would be NaN.
   */
  public Optional<String> firstNonFinite() {
    for (var e : tensors.entrySet()) {
      float[] v = e.getValue().floats();
      if (v != null) {
        for (float x : v) {
          if (!Float.isFinite(x)) {
            return Optional.of(e.getKey());
          }
        }
      }
    }
    return Optional.empty();
  }

  /** Whether the encoder ends in the Linear head fc (the MoCo family) or in the pooled features. */
  public boolean hasFc() {
    return tensors.containsKey("fc.weight");
  }

  /** The prefixes of the tensors kept beside the backbone ("projector", "predictor"), in order. */
  public java.util.List<String> heads() {
    return tensors.keySet().stream()
        .map(n -> n.substring(0, n.indexOf('.') < 0 ? n.length() : n.indexOf('.')))
        .filter(p -> !BACKBONE.contains(p))
        .distinct()
        .toList();
  }

  /** The normalization's numbers. */
  public ChannelStats channelStats() {
    return ChannelStats.parse(normalization);
  }

  public byte[] toSafetensors() {
    return Safetensors.write(tensors, metadata());
  }

  /** What the snapshot's metadata holds (all strings, as safetensors requires). */
  public Map<String, String> metadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("step", Long.toString(step));
    m.put("method", method);
    m.put("width", Integer.toString(width));
    m.put("embedding_dim", Integer.toString(embeddingDim));
    m.put("stem", stem.toString());
    m.put("image_size", Integer.toString(imageSize));
    m.put("normalization", normalization);
    m.put("feature", hasFc() ? "fc" : "pooled");
    m.put("heads", String.join(",", heads()));
    m.put("config", configJson);
    return m;
  }

  /** The JSON written beside the safetensors file: the metadata with the config as an object. */
  public String sidecarJson() {
    return sidecarJson(metadata());
  }

  /** {@link #sidecarJson()} from a snapshot file's metadata alone (no tensor is read). */
  public static String sidecarJson(Map<String, String> metadata) {
    return sidecarJson(metadata, null);
  }

  /**
   * The same with the training run's lineage ({@code "lineage"}, when known), which the embedding
   * service reads to follow a new run that writes to the same folder.
   */
  public static String sidecarJson(Map<String, String> metadata, String lineage) {
    JsonObject o = new JsonObject();
    if (lineage != null) {
      o.addProperty("lineage", lineage);
    }
    o.addProperty("format", metadata.get("format"));
    o.addProperty("step", Long.parseLong(metadata.get("step")));
    o.addProperty("method", metadata.get("method"));
    o.addProperty("width", Integer.parseInt(metadata.get("width")));
    o.addProperty("embedding_dim", Integer.parseInt(metadata.get("embedding_dim")));
    o.addProperty("stem", metadata.getOrDefault("stem", "cifar"));
    o.addProperty("image_size", Integer.parseInt(metadata.getOrDefault("image_size", "32")));
    o.addProperty("normalization", metadata.getOrDefault("normalization", "cifar10"));
    o.addProperty("feature", metadata.getOrDefault("feature", "fc"));
    o.addProperty("heads", metadata.getOrDefault("heads", ""));
    o.add("config", JsonParser.parseString(metadata.get("config")));
    return new GsonBuilder()
        .setPrettyPrinting()
        .serializeSpecialFloatingPointValues()
        .create()
        .toJson(o);
  }

  /**
   * @throws IllegalArgumentException when the bytes are not a mixstream encoder snapshot
   */
  public static EncoderSnapshot fromSafetensors(byte[] bytes) {
    Safetensors.Contents c = Safetensors.read(bytes);
    Map<String, String> m = c.metadata();
    if (!FORMAT.equals(m.get("format"))) {
      throw new IllegalArgumentException(
          "not a mixstream encoder snapshot: metadata format is "
              + m.get("format")
              + ", expected "
              + FORMAT);
    }
    return new EncoderSnapshot(
        Long.parseLong(m.get("step")),
        m.get("method"),
        Integer.parseInt(m.get("width")),
        Integer.parseInt(m.get("embedding_dim")),
        // snapshots written before any image size existed are CIFAR's
        Stem.valueOf(m.getOrDefault("stem", "cifar").toUpperCase(java.util.Locale.ROOT)),
        Integer.parseInt(m.getOrDefault("image_size", "32")),
        m.getOrDefault("normalization", "cifar10"),
        m.get("config"),
        c.tensors());
  }
}

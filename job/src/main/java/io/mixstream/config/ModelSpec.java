package io.mixstream.config;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One model a job trains: its key (the name in metrics, snapshots and embeddings), its
 * hyperparameters, and where and how wide its trainer computes.
 *
 * @param key the model's name: letters, digits, '.', '_' or '-' (it names a snapshot folder)
 * @param training its hyperparameters
 * @param device auto, cpu, gpu or gpu:N; auto and gpu give trainer i the GPU i mod GPU count
 * @param torchThreads libtorch's CPU threads for its trainer; 0 = one per core
 */
public record ModelSpec(String key, TrainingConfig training, String device, int torchThreads)
    implements Serializable {
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern DEVICE = Pattern.compile("auto|cpu|gpu|gpu:\\d+");

  /** What a key may be made of, as an error message says it. */
  static final String KEY_RULE =
      "must be letters, digits, '.', '_' or '-' (it names a snapshot folder)";

  static boolean validKey(String key) {
    return key != null && KEY.matcher(key).matches();
  }

  static boolean validDevice(String device) {
    return device != null && DEVICE.matcher(device).matches();
  }

  /** Every problem, each naming its option; empty when valid. */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    if (!validKey(key)) {
      p.add("model key '%s' %s".formatted(key, KEY_RULE));
    }
    String prefix = key == null ? "" : "model " + key + ": ";
    training.problems().forEach(s -> p.add(prefix + s));
    if (!validDevice(device)) {
      p.add(prefix + "device must be auto, cpu, gpu or gpu:N, got '" + device + "'");
    }
    if (torchThreads < 0) {
      p.add(prefix + "torch-threads must be 0 (one per core) or more");
    }
    return p;
  }
}

package io.mixstream.config;

import io.mixstream.queue.QueueName;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The seven training methods of ALGORITHM.md (Table 1's rows), by their command-line names. */
public enum Method {
  /** Plain MoCo (§1). */
  MOCO("moco", Set.of(QueueName.ORIGINAL)),
  /** MoCo + CutMix (§5): L = L(q,k) + λ·L(q^M,k), by default mixing the two views of one image. */
  MOCO_CUTMIX("moco-cutmix", Set.of(QueueName.ORIGINAL)),
  /** MoCo + Un-Mix (§4): in-batch mixup or CutMix with the reversed batch. */
  UNMIX("unmix", Set.of(QueueName.ORIGINAL)),
  /** Approach 1 (§8): between-branch mixing, region terms, three queues. */
  APPROACH1("approach1", EnumSet.allOf(QueueName.class)),
  /** Approach 2 (§7): in-batch mixing as in the released code, two queues. */
  APPROACH2("approach2", EnumSet.of(QueueName.ORIGINAL, QueueName.LOCAL)),
  /** SimCLR (§13): projector, NT-Xent over the 2B views of the batch; no queue, no key encoder. */
  SIMCLR("simclr", Set.of()),
  /** BYOL (§14): projector, predictor and a momentum target network; no queue. */
  BYOL("byol", Set.of());

  private final String cliName;
  private final Set<QueueName> queues;

  Method(String cliName, Set<QueueName> queues) {
    this.cliName = cliName;
    this.queues = Set.copyOf(queues);
  }

  /** The negative queues this method keeps. */
  public Set<QueueName> queues() {
    return queues;
  }

  /** Whether the method trains the region projection (the two approaches). */
  public boolean usesRegions() {
    return this == APPROACH1 || this == APPROACH2;
  }

  /**
   * Whether the method is one of §13-14's baselines: an encoder without the Linear head, an MLP
   * projector, one BN group and lightly's learning rate by default, and the backbone's pooled
   * features as its kNN feature and embedding (§15).
   */
  public boolean headless() {
    return this == SIMCLR || this == BYOL;
  }

  /** Whether the method keeps a momentum copy of the encoder (all but SimCLR). */
  public boolean hasKeyEncoder() {
    return this != SIMCLR;
  }

  public String cliName() {
    return cliName;
  }

  /** The method with this command-line name; the error lists the valid names and the nearest. */
  public static Method parse(String name) {
    for (Method m : values()) {
      if (m.cliName.equals(name.toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown method '%s'; %s".formatted(name, choices(name)));
  }

  /** "choose one of moco, ...", with "(did you mean X?)" when a method is a typo away. */
  public static String choices(String name) {
    String all = Arrays.stream(values()).map(Method::cliName).collect(Collectors.joining(", "));
    return "choose one of "
        + all
        + nearest(name).map(m -> " (did you mean " + m.cliName + "?)").orElse("");
  }

  /** The method whose name is within a few typed characters of {@code name}, if one is. */
  public static java.util.Optional<Method> nearest(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    Method best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (Method m : values()) {
      int d = editDistance(n, m.cliName);
      if (d < bestDistance) {
        best = m;
        bestDistance = d;
      }
    }
    return bestDistance <= Math.max(2, name.length() / 4)
        ? java.util.Optional.of(best)
        : java.util.Optional.empty();
  }

  /** Levenshtein distance: insertions, deletions and substitutions. */
  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  @Override
  public String toString() {
    return cliName;
  }
}

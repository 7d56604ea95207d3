package io.mixstream.config;

import io.mixstream.queue.QueueName;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The five training methods of ALGORITHM.md, by their command-line names. */
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
  APPROACH2("approach2", EnumSet.of(QueueName.ORIGINAL, QueueName.LOCAL));

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

  public String cliName() {
    return cliName;
  }

  /** The method with this command-line name; the error lists the valid names. */
  public static Method parse(String name) {
    for (Method m : values()) {
      if (m.cliName.equals(name.toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown method '%s'; choose one of %s"
            .formatted(
                name,
                Arrays.stream(values()).map(Method::cliName).collect(Collectors.joining(", "))));
  }

  @Override
  public String toString() {
    return cliName;
  }
}

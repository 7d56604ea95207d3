package io.mixstream.config;

/** Where MoCo+CutMix takes the pasted patch from (§5). */
public enum CutMixSource {
  /** The other augmented view of the same image: reading (c), the default. */
  OTHER_VIEW,
  /** Image B-1-i of the same view: readings (a) and (b). */
  REVERSED_BATCH
}

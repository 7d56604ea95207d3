package io.mixstream.snapshot;

import java.util.ArrayList;
import java.util.List;

/**
 * Which snapshots of a model to delete: all but the newest {@code keepNewest} and those whose step
 * is a multiple of {@code keepEvery}. A width-64 snapshot is 45 MB, and a job without end writes
 * one every {@code --eval-every} steps.
 *
 * @param keepNewest the newest kept; 0 = keep all
 * @param keepEvery also kept for good: steps that are multiples of it; 0 = none
 */
public record SnapshotRetention(int keepNewest, long keepEvery) implements java.io.Serializable {
  public SnapshotRetention {
    if (keepNewest < 0 || keepEvery < 0) {
      throw new IllegalArgumentException("keepNewest and keepEvery must be 0 or more");
    }
  }

  /**
   * @param steps the steps that have a snapshot, in any order
   * @return the steps to delete, ascending
   */
  public List<Long> toDelete(List<Long> steps) {
    if (keepNewest == 0) {
      return List.of();
    }
    List<Long> sorted = new ArrayList<>(steps);
    sorted.sort(null);
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < sorted.size() - keepNewest; i++) {
      long step = sorted.get(i);
      if (keepEvery == 0 || step % keepEvery != 0) {
        out.add(step);
      }
    }
    return out;
  }
}

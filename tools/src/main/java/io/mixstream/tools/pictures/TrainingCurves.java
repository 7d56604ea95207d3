package io.mixstream.tools.pictures;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The metrics topic's records of one model, as chart series: the loss and each of its terms per
 * step (type train), kNN top-1 per evaluated step (type knn) with the step-0 floor. A record seen
 * twice (the job replays steps after a restore) counts once: the later copy wins.
 */
final class TrainingCurves {
  private static final int[] PALETTE = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b};

  final Map<Long, JsonObject> steps = new TreeMap<>();
  final Map<Long, Double> knn = new TreeMap<>();
  int skipped;

  void add(String json, String model) {
    JsonObject o;
    try {
      o = JsonParser.parseString(json).getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      skipped++;
      return;
    }
    JsonElement m = o.get("model");
    JsonElement type = o.get("type");
    if (m == null || type == null || !m.getAsString().equals(model)) {
      skipped += m == null || type == null ? 1 : 0;
      return;
    }
    long step = o.get("step").getAsLong();
    switch (type.getAsString()) {
      case "train" -> steps.put(step, o);
      case "knn" -> knn.put(step, o.get("accuracy").getAsDouble());
      default -> skipped++;
    }
  }

  List<Series> losses(int maxPoints) {
    Map<String, Series> byName = new TreeMap<>();
    Series total = Series.of("loss", PALETTE[0]);
    for (var e : steps.entrySet()) {
      total.add(e.getKey(), e.getValue().get("loss").getAsDouble());
      JsonObject terms = e.getValue().getAsJsonObject("terms");
      if (terms != null && terms.size() > 1) {
        for (var t : terms.entrySet()) {
          byName
              .computeIfAbsent(
                  t.getKey(), n -> Series.of(n, PALETTE[1 + byName.size() % (PALETTE.length - 1)]))
              .add(e.getKey(), t.getValue().getAsDouble());
        }
      }
    }
    List<Series> out = new ArrayList<>();
    out.add(total.thinned(maxPoints));
    byName.values().forEach(s -> out.add(s.thinned(maxPoints)));
    return out;
  }

  List<Series> knnAccuracy() {
    Series acc = Series.of("kNN top-1 (%)", PALETTE[0]);
    knn.forEach((step, a) -> acc.add(step, 100 * a));
    List<Series> out = new ArrayList<>(List.of(acc));
    Double floor = knn.get(0L);
    if (floor != null && knn.size() > 1) {
      long last = ((TreeMap<Long, Double>) knn).lastKey();
      Series f = new Series("random-init floor", new ArrayList<>(), 0x888888, true);
      f.add(0, 100 * floor);
      f.add(last, 100 * floor);
      out.add(f);
    }
    return out;
  }
}

package io.mixstream.tools.metrics;

import io.mixstream.records.MetricsCodec;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** `mixstream models`: every model of a metrics topic side by side, kNN beside its floor. */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = {
      "Prints every model of a metrics topic side by side.",
      "One line per model: its method, last step, images trained, its latest kNN top-1 beside"
          + " its random-init floor (the step-0 evaluation) and the gain over it, in percentage"
          + " points, and its latest label-free measures: RankMe, the embedding std times sqrt(d)"
          + " (1 when spread evenly over the sphere, 0 when collapsed) and whether it has collapsed. Reads the"
          + " topic (or a file of its JSON records, one per line) as it is now."
    })
public final class ModelsCommand implements Callable<Integer> {
  @Mixin MetricsSourceOptions source;

  @Override
  public Integer call() throws Exception {
    MetricsInput input = source.read();
    ModelTable table = new ModelTable();
    int skipped = 0;
    for (String line : input.lines()) {
      try {
        table.add(MetricsCodec.decode(line));
      } catch (IllegalArgumentException e) {
        skipped++;
      }
    }
    if (table.isEmpty()) {
      throw new IllegalArgumentException("no metrics in " + source.describe());
    }
    table.lines().forEach(System.out::println);
    if (skipped > 0) {
      System.out.printf("(%d records skipped: not metrics records)%n", skipped);
    }
    return 0;
  }
}

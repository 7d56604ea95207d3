package io.mixstream.tools.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The soak's arithmetic and its readings of a process, on this test's own JVM. */
class SoakRunTest {
  @TempDir Path tmp;

  @Test
  void growthPerHourIsTheLeastSquaresSlopeAfterTheWarmUp() {
    // rss = 1000 + 2 MiB a minute from minute 5 on, with a warm-up spike the fit must leave out;
    // heap alternates 50/52: a slope of 0
    List<SoakRun.Sample> samples = new ArrayList<>();
    samples.add(new SoakRun.Sample(0, 0, 0, 0, 9_000L << 20, 50L << 20, 0, 0));
    for (int m = 5; m <= 15; m++) {
      long rss = (1000L + 2L * m) << 20;
      long heap = (m % 2 == 0 ? 50L : 52L) << 20;
      samples.add(new SoakRun.Sample(m, m * 10L, 0, 0, rss, heap, 0, 0));
    }
    var plan =
        new SoakRun.Plan(
            Duration.ofMinutes(15), Duration.ofMinutes(1), Duration.ofMinutes(5), 8, tmp);
    var r = new SoakRun.Result(plan, samples);
    assertThat(r.growthPerHour(SoakRun.Sample::rss) / (1 << 20)).isCloseTo(120.0, within(1e-9));
    // 11 points at m = 5..15: mean heap 50 + 2*(5/11), slope (by hand) -0.2/min = -12/h
    double mx = 10;
    double sxx = 0;
    double sxy = 0;
    for (int m = 5; m <= 15; m++) {
      double y = m % 2 == 0 ? 50 : 52;
      sxx += (m - mx) * (m - mx);
      sxy += (m - mx) * y;
    }
    double slopeByHand = sxy / sxx * 60;
    assertThat(r.growthPerHour(SoakRun.Sample::heapAfterGc) / (1 << 20))
        .isCloseTo(slopeByHand, within(1e-9));
    assertThat(r.meanAfterWarmUp(SoakRun.Sample::rss) / (1 << 20)).isCloseTo(1020.0, within(1e-9));
  }

  @Test
  void readsAProcesssResidentMemoryAndHeapAfterAFullCollection() throws Exception {
    long pid = ProcessHandle.current().pid();
    long rss = io.mixstream.tools.cluster.ProcessMemory.residentBytes(pid);
    long heap = SoakRun.heapAfterGc(pid);
    assertThat(rss).isGreaterThan(heap).isGreaterThan(1 << 20);
    assertThat(heap).isPositive().isLessThan(Runtime.getRuntime().maxMemory());
  }

  @Test
  void sizesTheFilesUnderAFolder() throws Exception {
    Files.createDirectories(tmp.resolve("a/b"));
    Files.write(tmp.resolve("a/one"), new byte[1000]);
    Files.write(tmp.resolve("a/b/two"), new byte[24]);
    assertThat(SoakRun.bytesUnder(tmp.resolve("a"))).isEqualTo(1024);
    assertThat(SoakRun.bytesUnder(tmp.resolve("missing"))).isZero();
  }
}

package io.mixstream.job.evaluation;

import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.snapshots.ModelSnapshot;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.TrainerFixtures;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A benchmark, not a test (tagged so that neither tier runs it): the kNN evaluator's live heap
 * during one evaluation of 5,000 bank and 1,000 test images of side SIDE (environment, default 32)
 * in Flink's operator harness with RocksDB, sampled after a GC every 50 ms (NOGC=1: no GCs, for the
 * time alone). Run: {@code SIDE=224 mvn -pl job test -Dtest=KnnEvaluatorHeapBenchmark
 * -Dsurefire.excluded=integration -Dsurefire.failIfNoSpecifiedTests=false}; results in
 * BENCHMARKS.md.
 */
@Tag("benchmark")
class KnnEvaluatorHeapBenchmark {
  @Test
  void peakHeapOfOneEvaluation() throws Exception {
    int side = Integer.parseInt(System.getenv().getOrDefault("SIDE", "32"));
    int bankN = 5000, testN = 1000;
    TrainingConfig.Builder tb = TrainerFixtures.tiny(Method.MOCO).toBuilder();
    tb.imageSize = side;
    byte[] snap;
    try (MocoTrainer t = TrainerFixtures.trainer(tb.build())) {
      snap = t.encoderSnapshot().toSafetensors();
    }
    EvaluationConfig.Builder b = EvaluationConfig.defaults(Path.of("unused")).toBuilder();
    b.knnBankSize = bankN;
    b.knnTestSize = testN;
    b.knnK = 200;
    var h =
        new KeyedTwoInputStreamOperatorTestHarness<>(
            new KeyedCoProcessOperator<>(new KnnEvaluator(b.build(), "cpu")),
            (EvalImage i) -> KnnEvaluator.KEY,
            (ModelSnapshot s) -> KnnEvaluator.KEY,
            Types.STRING);
    h.setStateBackend(new EmbeddedRocksDBStateBackend());
    h.open();
    java.util.Random r = new java.util.Random(1);
    for (int i = 0; i < bankN + testN; i++) {
      EvalImage e = new EvalImage();
      e.bank = i < bankN;
      e.id = "img-" + i;
      e.label = i % 10;
      e.pixels = new byte[3 * side * side];
      r.nextBytes(e.pixels);
      h.processElement1(new StreamRecord<>(e));
    }
    var mem = ManagementFactory.getMemoryMXBean();
    System.gc();
    Thread.sleep(200);
    long base = mem.getHeapMemoryUsage().getUsed();
    long[] peak = {base};
    sampling[0] = true;
    Thread sampler =
        new Thread(
            () -> {
              while (sampling[0]) {
                if (System.getenv("NOGC") == null) System.gc();
                peak[0] = Math.max(peak[0], mem.getHeapMemoryUsage().getUsed());
                try {
                  Thread.sleep(50);
                } catch (InterruptedException x) {
                  return;
                }
              }
            });
    sampler.start();
    long t0 = System.nanoTime();
    h.processElement2(new StreamRecord<>(new ModelSnapshot("m", 1, snap)));
    while (h.numProcessingTimeTimers() > 0) { // the evaluator's timers: a chunk each
      h.setProcessingTime(h.getProcessingTime() + KnnEvaluator.GAP_MS);
    }
    sampling[0] = false;
    sampler.join();
    System.out.printf(
        "kNN evaluation, side %d: heap before %.0f MB, %s peak during it %.0f MB (+%.0f MB), %.1f s%n",
        side,
        base / 1e6,
        System.getenv("NOGC") == null ? "live (after a GC every 50 ms)" : "used (no GCs forced)",
        peak[0] / 1e6,
        (peak[0] - base) / 1e6,
        (System.nanoTime() - t0) / 1e9);
    h.close();
  }

  static final boolean[] sampling = {false};
}

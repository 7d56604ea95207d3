package io.mixstream.tools.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.tools.cli.Mixstream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelsCommandTest {
  private static String quality(String model, long step, double rankMe, double std, boolean c) {
    return ("{\"type\":\"quality\",\"model\":\"%s\",\"step\":%d,\"window\":512,\"dim\":64,"
            + "\"rankme\":%s,\"alignment\":0.5,\"uniformity\":-2,\"embedding_std\":%s,"
            + "\"collapsed\":%s}")
        .formatted(model, step, rankMe, std, c);
  }

  @Test
  void printsEachModelsLatestKnnBesideItsFloor(@TempDir Path tmp) throws Exception {
    Path in = tmp.resolve("metrics.jsonl");
    Files.write(
        in,
        List.of(
            "{\"type\":\"knn\",\"model\":\"moco\",\"step\":0,\"method\":\"moco\",\"accuracy\":0.25}",
            "{\"type\":\"knn\",\"model\":\"a2\",\"step\":0,\"method\":\"approach2\",\"accuracy\":0.2}",
            "{\"type\":\"train\",\"model\":\"moco\",\"step\":99,\"images\":3168,\"loss\":7,\"terms\":{},\"step_seconds\":0.5}",
            "{\"type\":\"train\",\"model\":\"moco\",\"step\":100,\"images\":3200,\"loss\":7,\"terms\":{},\"step_seconds\":0.25}",
            "{\"type\":\"knn\",\"model\":\"moco\",\"step\":100,\"method\":\"moco\",\"accuracy\":0.3}",
            "{\"type\":\"knn\",\"model\":\"a2\",\"step\":100,\"method\":\"approach2\",\"accuracy\":0.3125}",
            // a restart replays step 100 of moco: the later record wins, and an older one does not
            "{\"type\":\"knn\",\"model\":\"moco\",\"step\":100,\"method\":\"moco\",\"accuracy\":0.31,\"pooled_accuracy\":0.3375}",
            "{\"type\":\"knn\",\"model\":\"byol\",\"step\":100,\"method\":\"byol\",\"accuracy\":0.35}",
            "{\"type\":\"knn\",\"model\":\"moco\",\"step\":50,\"method\":\"moco\",\"accuracy\":0.9}",
            quality("a2", 100, 5.25, 0.0625, false),
            quality("a2", 200, 1.0, 0.0, true),
            quality("a2", 150, 9.0, 0.5, false), // older than the latest: not shown
            "not json"));
    PrintStream was = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      code = Mixstream.run("models", "--file", in.toString());
    } finally {
      System.setOut(was);
    }
    assertThat(code).isZero();
    List<String> out = buf.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(out.get(0)).contains("model", "s/step", "kNN %", "floor %", "gain", "pooled %");
    assertThat(out.get(1).split("\\s+"))
        .as("the mean step time of its two steps, (0.5 + 0.25) / 2")
        .containsExactly(
            "moco", "moco", "100", "3,200", "0.375", "100", "31.00", "25.00", "+6.00", "33.75", "-",
            "-", "-");
    assertThat(out.get(0)).contains("RankMe", "std·√d", "collapsed");
    assertThat(out.get(2).split("\\s+"))
        .as("the latest reading of a2: RankMe 1.0, std 0 (times √64), collapsed")
        .containsExactly(
            "a2",
            "approach2",
            "-",
            "-",
            "-",
            "100",
            "31.25",
            "20.00",
            "+11.25",
            "-",
            "1.0",
            "0.00",
            "yes");
    assertThat(out.get(3).split("\\s+"))
        .as("BYOL's own kNN is on the pooled features")
        .containsExactly(
            "byol", "byol", "-", "-", "-", "100", "35.00", "-", "-", "35.00", "-", "-", "-");
    assertThat(out.get(4)).contains("1 records skipped");
  }
}

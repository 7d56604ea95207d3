package io.mixstream.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.config.JobConfig;
import io.mixstream.config.JobOptions;
import io.mixstream.tools.cli.Mixstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * What can be checked of the Docker files without a Docker engine: they parse, every command they
 * run parses with the real command line and job options, every class they name exists, the ports
 * agree, and every file the images copy is one the build makes.
 */
class ComposeFileTest {
  static final Path DOCKER =
      Path.of("").toAbsolutePath().endsWith("docker")
          ? Path.of("").toAbsolutePath()
          : Path.of("").toAbsolutePath().resolve("docker");
  static final Path ROOT = DOCKER.getParent();

  @SuppressWarnings("unchecked")
  static Map<String, Object> compose() throws Exception {
    return new Yaml().load(Files.readString(DOCKER.resolve("docker-compose.yml")));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> service(String name) throws Exception {
    return (Map<String, Object>) ((Map<String, Object>) compose().get("services")).get(name);
  }

  @Test
  @SuppressWarnings("unchecked")
  void servicesFlinkSettingsAndPortsAgree() throws Exception {
    Map<String, Object> services = (Map<String, Object>) compose().get("services");
    assertThat(services)
        .containsKeys(
            "kafka",
            "jobmanager",
            "taskmanager",
            "taskmanager-gpu",
            "replay",
            "replay-knn-bank",
            "replay-knn-test",
            "submit");
    Map<String, Object> env = (Map<String, Object>) service("taskmanager").get("environment");
    Map<String, Object> flink = new Yaml().load((String) env.get("FLINK_PROPERTIES"));
    assertThat(flink)
        .containsEntry("classloader.parent-first-patterns.additional", "ai.djl.")
        .containsEntry("state.backend.type", "rocksdb")
        .containsEntry("rest.port", 8081)
        .containsEntry("jobmanager.rpc.address", "jobmanager");
    assertThat((List<String>) service("jobmanager").get("ports"))
        .containsExactly("127.0.0.1:8081:8081");
    assertThat(service("taskmanager-gpu").toString()).contains("NATIVES=cu118", "driver=nvidia");
    // Kafka's advertised listener is what every client is given
    Map<String, Object> kafka = (Map<String, Object>) service("kafka").get("environment");
    assertThat(kafka.get("KAFKA_ADVERTISED_LISTENERS")).isEqualTo("PLAINTEXT://kafka:9092");
    assertThat(
            Files.readString(DOCKER.resolve("docker-compose.yml")).split("kafka:9092", -1).length
                - 1)
        .as("every client uses the advertised listener")
        .isGreaterThanOrEqualTo(5);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theReplayCommandsParseWithTheRealCommandLine() throws Exception {
    for (String name : List.of("replay", "replay-knn-bank", "replay-knn-test")) {
      List<String> args = (List<String>) service(name).get("command");
      CommandLine.ParseResult r =
          new CommandLine(new Mixstream()).parseArgs(args.toArray(String[]::new));
      assertThat(r.subcommand().commandSpec().name()).as(name).isEqualTo("replay");
      assertThat(r.subcommand().matchedOptionValue("--bootstrap", "")).isEqualTo("kafka:9092");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theSubmittedJobsOptionsAreValidAndItsMainClassExists(@TempDir Path tmp) throws Exception {
    String script = String.join(" ", (List<String>) service("submit").get("command"));
    Matcher m =
        Pattern.compile("flink run -d -m jobmanager:8081 -c (\\S+) (\\S+) (.*)").matcher(script);
    assertThat(m.find()).as(script).isTrue();
    assertThat(Class.forName(m.group(1))).isNotNull();
    assertThat(m.group(2)).isEqualTo("/opt/mixstream/mixstream-job-flink.jar");
    String[] args = m.group(3).replaceAll("\\$\\{[A-Z]+:-([^}]*)}", "$1").trim().split("\\s+");
    JobConfig c = JobOptions.parse(args, tmp);
    assertThat(c.bootstrapServers()).isEqualTo("kafka:9092");
    assertThat(c.evaluation().knnBankSize()).isEqualTo(5000);
    assertThat(c.checkpointDir()).isEqualTo(Path.of("/checkpoints"));
    // the kNN sets the replays publish are at least as large as the job waits for
    assertThat(((List<String>) service("replay-knn-bank").get("command")))
        .containsSequence("--limit", "5000");
    assertThat(((List<String>) service("replay-knn-test").get("command")))
        .containsSequence("--limit", "1000");
  }

  @Test
  void everyFileTheImagesCopyIsMadeByTheBuild() throws Exception {
    for (String dockerfile : List.of("flink/Dockerfile", "tools/Dockerfile")) {
      for (String line : Files.readAllLines(DOCKER.resolve(dockerfile))) {
        if (!line.startsWith("COPY ")) {
          continue;
        }
        String source = line.split("\\s+")[1].replace("${NATIVES}", "cpu");
        Path p = ROOT.resolve(source);
        if (source.startsWith("tools/target/")) {
          // made by the tools module's package phase (before this module's tests in `mvn verify`)
          String toolsPom = Files.readString(ROOT.resolve("tools/pom.xml"));
          assertThat(toolsPom)
              .contains("<finalName>mixstream-tools</finalName>", "${project.build.directory}/lib");
          continue;
        }
        assertThat(p).as(dockerfile + ": " + line).exists();
      }
    }
    try (var lib = Files.list(ROOT.resolve("docker/target/flink-lib"))) {
      List<String> names = new ArrayList<>(lib.map(f -> f.getFileName().toString()).toList());
      assertThat(names)
          .anyMatch(n -> n.startsWith("api-0.25.0"))
          .anyMatch(n -> n.startsWith("pytorch-engine"))
          .anyMatch(n -> n.startsWith("pytorch-jni"))
          .noneMatch(n -> n.contains("flink"))
          .noneMatch(n -> n.contains("kafka"));
    }
    assertThat(Arrays.asList(ROOT.resolve("docker/target/flink-natives-cpu").toFile().list()))
        .anyMatch(n -> n.startsWith("pytorch-native-cpu"));
  }
}

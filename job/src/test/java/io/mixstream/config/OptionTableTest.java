package io.mixstream.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each option is declared once and everything else about it follows from that declaration. */
class OptionTableTest {
  private static final Path CHECKPOINTS = Path.of("/tmp/cp");

  /** A builder of each config the job reads, holding its defaults, with how it builds. */
  private record Table(Object builder, Function<Object, Record> build) {}

  private static List<Table> tables() {
    JobConfig job = JobConfig.defaults(TrainingConfig.defaults(), CHECKPOINTS);
    return List.of(
        new Table(TrainingConfig.defaults().toBuilder(), b -> ((TrainingConfig.Builder) b).build()),
        new Table(job.toBuilder(), b -> ((JobConfig.Builder) b).build()),
        new Table(job.evaluation().toBuilder(), b -> ((EvaluationConfig.Builder) b).build()),
        new Table(
            EmbedConfig.defaults(Path.of("/tmp")).toBuilder(),
            b -> ((EmbedConfig.Builder) b).build()));
  }

  @Test
  void everyComponentOfTheTrainingConfigIsADeclaredOptionAndNoneIsMissing() {
    List<String> declared =
        OptionTable.options(TrainingConfig.Builder.class).stream().map(Field::getName).toList();
    assertThat(TrainingConfig.defaults().asMap().keySet()).containsExactlyElementsOf(declared);
    assertThat(declared).hasSize(44);
  }

  @Test
  void everyOptionIsAFlagAFileLineAHelpLineAndAPrintedValue(@TempDir Path tmp) throws Exception {
    String help =
        String.join("\n", JobOptions.help(CHECKPOINTS))
            + String.join("\n", EmbedOptions.help(Path.of("/tmp")));
    int checked = 0;
    for (Table table : tables()) {
      for (Field f : OptionTable.options(table.builder().getClass())) {
        String name = OptionTable.kebab(f.getName());
        Object before = f.get(table.builder());
        String raw = anotherValue(f.getType(), before);
        var booleans = OptionTable.booleans(table.builder().getClass());
        Map<String, String> fromFlag = JobOptions.values(new String[] {"--" + name, raw}, booleans);
        Path file = tmp.resolve(name + ".properties");
        Files.writeString(file, name + "=" + raw + "\n");
        Map<String, String> fromFile =
            JobOptions.values(new String[] {"--config", file.toString()}, booleans);
        assertThat(new LinkedHashMap<>(fromFile)).isEqualTo(new LinkedHashMap<>(fromFlag));

        Object builder = table.build().apply(table.builder()); // a fresh copy to set
        Object b = builder.getClass().getMethod("toBuilder").invoke(builder);
        Map<String, String> problems = new LinkedHashMap<>();
        OptionTable.set(b, fromFlag, problems);
        assertThat(problems).as(name).isEmpty();
        assertThat(fromFlag).as(name + " consumed").isEmpty();
        Map<String, Object> printed = OptionTable.asMap(table.build().apply(b));
        assertThat(printed.get(f.getName())).as(name).isNotEqualTo(before).isEqualTo(f.get(b));
        assertThat(help).as(name).contains("--" + name + " ");
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(44 + 12 + 18 + 20);
  }

  @Test
  void theDefaultsAreInRangeAndAValueOutsideARangeIsNamed() throws Exception {
    int ranges = 0;
    for (Table table : tables()) {
      assertThat(OptionTable.problems(table.builder())).isEmpty();
      for (Field f : OptionTable.options(table.builder().getClass())) {
        Option o = f.getAnnotation(Option.class);
        String name = OptionTable.kebab(f.getName());
        Object before = f.get(table.builder());
        for (double bad : outside(o, f.getType())) {
          f.set(table.builder(), box(bad, f.getType()));
          assertThat(OptionTable.problems(table.builder()))
              .as("%s = %s", name, bad)
              .anyMatch(p -> p.startsWith(name + " must be "));
          ranges++;
        }
        if (f.getType() == double.class && !o.mayBeUnset()) {
          f.set(table.builder(), Double.NaN);
          assertThat(OptionTable.problems(table.builder())).as(name + " = NaN").isNotEmpty();
        }
        f.set(table.builder(), before);
        if (!f.getType().isPrimitive()) {
          f.set(table.builder(), null);
          assertThat(OptionTable.problems(table.builder())).contains(name + " must be set");
          f.set(table.builder(), before);
        }
      }
    }
    assertThat(ranges).isGreaterThan(40);
  }

  @Test
  void theMessagesSayTheRangeAsAHandWrittenOneWould() {
    TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
    b.width = 0;
    b.sgdMomentum = 1;
    b.temperature = 0;
    b.hue = 0.6;
    b.fixedLambda = Double.NaN; // unset: allowed
    b.weightDecay = -1e-4;
    assertThat(OptionTable.problems(b))
        .containsExactly(
            "width must be at least 1, got 0",
            "temperature must be positive, got 0.0",
            "sgd-momentum must be in [0,1), got 1.0",
            "weight-decay must be 0 or more, got -1.0E-4",
            "hue must be in [0,0.5], got 0.6");
    // a value outside its own range is said once, not again by a rule that ties it to another
    b = TrainingConfig.defaults().toBuilder();
    b.bufferSize = -1;
    b.queueSize = 0;
    b.cropScaleMax = -1;
    b.cropRatioMax = 1e30;
    assertThat(b.build().problems())
        .containsExactly(
            "queue-size must be at least 1, got 0",
            "crop-scale-max must be in [0,1], got -1.0",
            "crop-ratio-max must be in (0,100], got 1.0E30",
            "buffer-size must be 0 or more, got -1");
    b = TrainingConfig.defaults().toBuilder();
    b.sgdMomentum = 0.999; // just inside the open end
    b.fixedLambda = 1;
    assertThat(OptionTable.problems(b)).isEmpty();
  }

  /** Values just outside an option's declared range, as its type holds them. */
  private static List<Double> outside(Option o, Class<?> type) {
    boolean whole = type == int.class || type == long.class;
    double step = whole ? 1 : 1e-3;
    List<Double> out = new java.util.ArrayList<>();
    if (o.min() != Double.NEGATIVE_INFINITY) {
      out.add(o.minExclusive() ? o.min() : o.min() - step);
    }
    if (o.max() != Double.POSITIVE_INFINITY) {
      out.add(o.maxExclusive() ? o.max() : o.max() + step);
    }
    return out;
  }

  private static Object box(double x, Class<?> type) {
    return type == int.class ? (Object) (int) x : type == long.class ? (Object) (long) x : x;
  }

  /** A valid value other than {@code current}, as a user would type it. */
  private static String anotherValue(Class<?> type, Object current) {
    if (type == int.class) {
      return String.valueOf((Integer) current + 1);
    } else if (type == long.class) {
      return String.valueOf((Long) current + 1);
    } else if (type == double.class) {
      double d = (Double) current;
      return Double.isNaN(d) ? "0.5" : String.valueOf(d / 2);
    } else if (type == boolean.class) {
      return String.valueOf(!(Boolean) current);
    } else if (type == String.class) {
      return current + "x";
    } else if (type == Path.class) {
      return "/elsewhere";
    } else if (type == Duration.class) {
      return JobOptions.typed(((Duration) current).plusSeconds(1));
    } else if (type.isEnum()) {
      return Arrays.stream(type.getEnumConstants())
          .filter(v -> v != current)
          .map(JobOptions::typed)
          .findFirst()
          .orElseThrow();
    }
    throw new AssertionError("no other value for " + type);
  }
}

package io.mixstream.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Builds a {@link JobConfig} from a properties file and/or {@code --option value} flags, flags
 * winning. Every component of {@link TrainingConfig} and {@link JobConfig} is an option under its
 * kebab-case name ({@code batchSize} is {@code --batch-size}); Kafka client settings are {@code
 * --kafka.KEY VALUE} (or {@code kafka.KEY=VALUE} in the file). One parser for {@code mixstream
 * train} and for the plain {@code main} that {@code flink run} calls.
 */
public final class JobOptions {
  public static final String KAFKA_PREFIX = "kafka.";

  /** {@code --model.KEY.OPTION VALUE}: one model's own value of a training option. */
  public static final String MODEL_PREFIX = "model.";

  /** The options a model may set for itself besides the training options. */
  private static final java.util.Set<String> MODEL_RUN_OPTIONS =
      java.util.Set.of("device", "torch-threads");

  /** The options that are booleans, which may be given without a value. */
  private static final java.util.Set<String> BOOLEANS =
      OptionTable.booleans(
          JobConfig.Builder.class, EvaluationConfig.Builder.class, TrainingConfig.Builder.class);

  private JobOptions() {}

  private static boolean isBoolean(String arg) {
    return arg.equals("true") || arg.equals("false");
  }

  /**
   * @param args {@code --config FILE} and {@code --name value} pairs
   * @throws IllegalArgumentException naming the option that is unknown, missing a value, or bad
   */
  public static JobConfig parse(String[] args, Path defaultCheckpointDir) {
    return build(values(args, BOOLEANS), defaultCheckpointDir);
  }

  /** Options by name, and the {@code --config} file each one that came from a file came from. */
  static final class Given extends LinkedHashMap<String, String> {
    private static final long serialVersionUID = 1L;
    final Map<String, Path> fileOf = new LinkedHashMap<>();

    /** " (FILE sets a, b)" for the options among {@code names} that a file gave; "" for none. */
    String filesOf(java.util.Collection<String> names) {
      Map<Path, List<String>> byFile = new LinkedHashMap<>();
      for (String n : names) {
        if (fileOf.containsKey(n)) {
          byFile.computeIfAbsent(fileOf.get(n), f -> new ArrayList<>()).add(n);
        }
      }
      StringBuilder out = new StringBuilder();
      byFile.forEach(
          (file, opts) ->
              out.append(" (--config %s sets %s)".formatted(file, String.join(", ", opts))));
      return out.toString();
    }
  }

  /**
   * The options on a command line by name, with those of a {@code --config FILE} where the line
   * does not give them.
   *
   * @param booleans options that may stand alone, meaning true
   */
  static Map<String, String> values(String[] args, java.util.Set<String> booleans) {
    Given values = new Given();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("expected --option, got '" + a + "' (see --help)");
      }
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (booleans.contains(optionOf(name))
          && (i + 1 >= args.length || !isBoolean(args[i + 1]))) {
        value = "true"; // a boolean flag may stand alone: --bounded
      } else {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("--" + name + " needs a value");
        }
        value = args[++i];
      }
      if (name.equals("config")) {
        Path file = Path.of(value);
        for (var e : readProperties(file).entrySet()) {
          if (!values.containsKey(e.getKey())) { // flags given before --config still win
            values.put(e.getKey(), e.getValue());
            values.fileOf.put(e.getKey(), file);
          }
        }
      } else {
        values.put(name, value);
        values.fileOf.remove(name); // a flag after --config wins over the file
      }
    }
    return values;
  }

  /**
   * The option a name sets: {@code model.KEY.width} sets width (keys may hold dots, options not).
   */
  private static String optionOf(String name) {
    return name.startsWith(MODEL_PREFIX) ? name.substring(name.lastIndexOf('.') + 1) : name;
  }

  static JobConfig build(Map<String, String> values, Path defaultCheckpointDir) {
    Map<String, String> rest = new LinkedHashMap<>(values);
    Map<String, String> kafka = takeKafka(rest);
    String modelList = rest.remove("models");
    Map<String, Map<String, String>> perModel = takeModelOptions(rest);
    Map<String, String> shared = new LinkedHashMap<>(rest); // binding below consumes rest
    // every bad value and unknown name at once, not the first only
    Map<String, String> problems = new LinkedHashMap<>(); // option → what is wrong
    TrainingConfig.Builder t = TrainingConfig.defaults(methodOf(rest)).toBuilder();
    OptionTable.set(t, rest, problems);
    TrainingConfig training = t.build();
    JobConfig.Builder b = JobConfig.defaults(training, defaultCheckpointDir).toBuilder();
    EvaluationConfig.Builder evaluation = b.evaluation.toBuilder();
    OptionTable.set(evaluation, rest, problems);
    OptionTable.set(b, rest, problems);
    java.util.Set<String> named = new java.util.LinkedHashSet<>(problems.keySet());
    List<String> said = new ArrayList<>(problems.values());
    if (!rest.isEmpty()) {
      named.addAll(rest.keySet());
      said.add(unknownMessage(rest));
    }
    if (!said.isEmpty()) {
      throw new IllegalArgumentException(
          String.join("; ", said) + (values instanceof Given g ? g.filesOf(named) : ""));
    }
    Map<String, String> mergedKafka = new TreeMap<>(b.kafkaProperties);
    mergedKafka.putAll(kafka);
    b.kafkaProperties = mergedKafka;
    b.evaluation = evaluation.build();
    if (modelList == null) {
      refuseOptionsOfAnotherMethod("--", shared.keySet(), training.method());
    }
    b.models = models(modelList, perModel, shared, b.device, b.torchThreads);
    return b.build().validate();
  }

  /**
   * Removes the {@code model.KEY.OPTION} options from {@code values}; returns them by KEY, then
   * OPTION.
   */
  static Map<String, Map<String, String>> takeModelOptions(Map<String, String> values) {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    var it = values.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      String name = e.getKey();
      if (!name.startsWith(MODEL_PREFIX)) {
        continue;
      }
      int dot = name.lastIndexOf('.');
      if (dot <= MODEL_PREFIX.length()) {
        throw new IllegalArgumentException(
            "--%s: a model's own option is --model.KEY.OPTION, for example --model.moco.width 16"
                .formatted(name));
      }
      out.computeIfAbsent(name.substring(MODEL_PREFIX.length(), dot), k -> new LinkedHashMap<>())
          .put(name.substring(dot + 1), e.getValue());
      it.remove();
    }
    return out;
  }

  /**
   * The models of {@code --models KEY[:METHOD],...}: each takes the shared options, then its own
   * {@code --model.KEY.OPTION}s; its method is METHOD, else its own {@code method}, else KEY when
   * KEY names a method, else the shared one. None: an empty list, the job's one model.
   */
  static List<ModelSpec> models(
      String list,
      Map<String, Map<String, String>> perModel,
      Map<String, String> shared,
      String jobDevice,
      int jobTorchThreads) {
    if (list == null) {
      if (!perModel.isEmpty()) {
        String key = perModel.keySet().iterator().next();
        throw new IllegalArgumentException(
            "--model.%s.* sets an option of model '%s', but --models does not name it (for"
                    .formatted(key, key)
                + " example --models moco,"
                + key
                + ")");
      }
      return List.of();
    }
    List<ModelSpec> out = new ArrayList<>();
    java.util.Set<String> named = new java.util.LinkedHashSet<>();
    for (ModelEntry entry : ModelEntry.parseList(list)) {
      String key = entry.key();
      named.add(key);
      Map<String, String> own = new LinkedHashMap<>(perModel.getOrDefault(key, Map.of()));
      if (entry.method() == null && !own.containsKey("method") && !shared.containsKey("method")) {
        entry.refuseUnlessAMethod();
      }
      Map<String, String> v = new LinkedHashMap<>(shared);
      v.putAll(own);
      if (entry.method() != null) {
        v.put("method", entry.method());
      } else if (!own.containsKey("method") && isMethod(key)) {
        v.put("method", key);
      }
      TrainingConfig.Builder tb = TrainingConfig.defaults(methodOf(v)).toBuilder();
      Map<String, String> problems = new LinkedHashMap<>();
      OptionTable.set(tb, v, problems);
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(
            "model " + key + ": " + String.join("; ", problems.values()));
      }
      TrainingConfig t = tb.build();
      refuseOptionsOfAnotherMethod("--model.%s.".formatted(key), own.keySet(), t.method());
      for (String option : own.keySet()) {
        if (v.containsKey(option) && !MODEL_RUN_OPTIONS.contains(option)) {
          throw new IllegalArgumentException(
              ("--model.%s.%s: %s is not an option a model sets for itself (those are the training"
                      + " options, device and torch-threads; see --help)")
                  .formatted(key, option, option));
        }
      }
      String device = own.getOrDefault("device", jobDevice);
      int threads =
          own.containsKey("torch-threads")
              ? (Integer)
                  convert("model." + key + ".torch-threads", own.get("torch-threads"), int.class)
              : jobTorchThreads;
      out.add(new ModelSpec(key, t, device, threads));
    }
    java.util.Set<Method> methods = new java.util.HashSet<>();
    out.forEach(m -> methods.add(m.training().method()));
    for (String option : shared.keySet()) {
      Method owner = TrainingConfig.METHOD_OPTIONS.get(option);
      if (owner != null && !methods.contains(owner)) {
        throw new IllegalArgumentException(
            "--%s is %s's own option, and no model of --models (%s) trains %s"
                .formatted(option, owner, list, owner));
      }
    }
    for (String key : perModel.keySet()) {
      if (!named.contains(key)) {
        throw new IllegalArgumentException(
            "--model.%s.* sets an option of model '%s', which --models (%s) does not name"
                .formatted(key, key, list));
      }
    }
    return out;
  }

  /**
   * The method {@code values} name, for the defaults that are its own ({@link
   * TrainingConfig.Builder#method}); MoCo when they name none (or a bad one, which binding
   * reports).
   */
  private static Method methodOf(Map<String, String> values) {
    String m = values.get("method");
    return m != null && isMethod(m) ? Method.parse(m) : Method.MOCO;
  }

  /**
   * Refuses an option only another method reads ({@link TrainingConfig#METHOD_OPTIONS}): it would
   * change nothing, in silence.
   *
   * @param flag how the options were spelled, before their names ("--" or "--model.KEY.")
   */
  static void refuseOptionsOfAnotherMethod(
      String flag, java.util.Collection<String> options, Method method) {
    for (String option : options) {
      Method owner = TrainingConfig.METHOD_OPTIONS.get(option);
      if (owner != null && owner != method) {
        throw new IllegalArgumentException(
            "%s%s is %s's own option; this model trains %s".formatted(flag, option, owner, method));
      }
    }
  }

  /**
   * The models of {@code --models KEY[:METHOD],...} with the same settings but their method (as for
   * {@link #models}: METHOD, else KEY when it names a method, else {@code shared}'s), for launchers
   * that have their own options (the demo). A key a typo away from a method's name is refused.
   */
  public static List<ModelSpec> sameSettings(
      String list, TrainingConfig shared, String device, int torchThreads) {
    List<ModelSpec> out = new ArrayList<>();
    for (ModelEntry e : ModelEntry.parseList(list)) {
      if (e.method() == null) {
        e.refuseATypoOfAMethod();
      }
      TrainingConfig.Builder b = shared.toBuilder();
      String method = e.method() != null ? e.method() : isMethod(e.key()) ? e.key() : null;
      if (method != null) {
        b.method((Method) convert("models", method, Method.class));
      }
      out.add(new ModelSpec(e.key(), b.build(), device, torchThreads));
    }
    return out;
  }

  /** One entry of {@code --models}: KEY, or KEY:METHOD (method null when not given). */
  private record ModelEntry(String key, String method) {
    /**
     * A key alone trains the method it names; one that names none would train the shared method
     * under a name that says otherwise (a typo such as mocco-cutmix), so it is refused.
     */
    void refuseUnlessAMethod() {
      if (ModelSpec.validKey(key) && !isMethod(key)) { // a bad key is named as such later
        throw new IllegalArgumentException(
            ("--models: '%s' is not a method; %s. A model of your own name takes its method as"
                    + " %s:METHOD, --model.%s.method METHOD or --method METHOD")
                .formatted(key, Method.choices(key), key, key));
      }
    }

    /**
     * Where the shared method may have been chosen on purpose (the demo's --method), a key of one's
     * own trains it, but one a typo away from a method's name (mocco-cutmix) is refused.
     */
    void refuseATypoOfAMethod() {
      if (!isMethod(key) && Method.nearest(key).isPresent()) {
        throw new IllegalArgumentException(
            ("--models: '%s' is not a method; %s. A model of your own name takes its method as"
                    + " %s:METHOD")
                .formatted(key, Method.choices(key), key));
      }
    }

    static List<ModelEntry> parseList(String list) {
      List<ModelEntry> out = new ArrayList<>();
      for (String entry : list.split(",", -1)) {
        String e = entry.trim();
        if (e.isEmpty()) {
          throw new IllegalArgumentException(
              "--models '%s': a comma-separated list of KEY or KEY:METHOD, for example"
                      .formatted(list)
                  + " moco,approach2 or fast:moco,wide:moco");
        }
        int colon = e.indexOf(':');
        out.add(
            colon < 0
                ? new ModelEntry(e, null)
                : new ModelEntry(e.substring(0, colon), e.substring(colon + 1)));
      }
      return out;
    }
  }

  private static boolean isMethod(String name) {
    try {
      Method.parse(name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Removes the {@code kafka.KEY} options from {@code values}; returns them by KEY. */
  static Map<String, String> takeKafka(Map<String, String> values) {
    Map<String, String> kafka = new TreeMap<>();
    values
        .entrySet()
        .removeIf(
            e -> {
              if (e.getKey().startsWith(KAFKA_PREFIX)) {
                kafka.put(e.getKey().substring(KAFKA_PREFIX.length()), e.getValue());
                return true;
              }
              return false;
            });
    return kafka;
  }

  /**
   * @throws IllegalArgumentException naming the options left over
   */
  static void refuseUnknown(Map<String, String> rest) {
    if (!rest.isEmpty()) {
      throw new IllegalArgumentException(unknownMessage(rest));
    }
  }

  private static String unknownMessage(Map<String, String> unknown) {
    return "unknown option(s) "
        + String.join(", ", unknown.keySet().stream().map(k -> "--" + k).toList())
        + " (see --help for the list)";
  }

  /**
   * A typed value from what was typed, or an error naming the option and the value.
   *
   * @throws IllegalArgumentException "--width: cannot use 'x' (expected a whole number)"
   */
  static Object convert(String option, String raw, Class<?> type) {
    try {
      if (type == int.class) {
        return Integer.parseInt(raw);
      } else if (type == long.class) {
        return Long.parseLong(raw);
      } else if (type == double.class) {
        return Double.parseDouble(raw);
      } else if (type == boolean.class) {
        if (!raw.equals("true") && !raw.equals("false")) {
          throw new IllegalArgumentException("expected true or false");
        }
        return Boolean.parseBoolean(raw);
      } else if (type == String.class) {
        return raw;
      } else if (type == Path.class) {
        return Path.of(raw);
      } else if (type == Duration.class) {
        return parseDuration(raw);
      } else if (type == Method.class) {
        return Method.parse(raw);
      } else if (type.isEnum()) {
        return enumValue(type, raw);
      }
    } catch (IllegalArgumentException e) {
      String why =
          e instanceof NumberFormatException
              ? type == double.class ? "expected a number" : "expected a whole number"
              : e.getMessage();
      throw new IllegalArgumentException(
          "--%s: cannot use '%s' (%s)".formatted(option, raw, why), e);
    }
    throw new IllegalStateException("no converter for " + type);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object enumValue(Class<?> type, String raw) {
    try {
      return Enum.valueOf((Class) type, raw.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "expected one of "
              + java.util.Arrays.stream(type.getEnumConstants())
                  .map(v -> v.toString().toLowerCase(Locale.ROOT).replace('_', '-'))
                  .toList(),
          e);
    }
  }

  /**
   * "10s", "500ms", "2m", "1h" or an ISO-8601 duration ("PT10S").
   *
   * @throws IllegalArgumentException saying what a duration looks like
   */
  public static Duration parseDuration(String raw) {
    String s = raw.toLowerCase(Locale.ROOT).replace(" ", "");
    try {
      if (s.startsWith("pt")) {
        return Duration.parse(raw);
      }
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      }
      for (var unit :
          List.of(Map.entry("s", 1_000L), Map.entry("m", 60_000L), Map.entry("h", 3_600_000L))) {
        if (s.endsWith(unit.getKey())) {
          double n = Double.parseDouble(s.substring(0, s.length() - 1));
          if (Double.isFinite(n)) {
            return Duration.ofMillis(Math.round(n * unit.getValue()));
          }
        }
      }
    } catch (NumberFormatException | java.time.format.DateTimeParseException e) {
      // said below, with the value the user typed
    }
    throw new IllegalArgumentException(
        "expected a duration such as 10s, 500ms, 2m or 1h, got '" + raw + "'");
  }

  private static Map<String, String> readProperties(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IllegalArgumentException("--config " + file + ": no such file", e);
    } catch (java.nio.charset.CharacterCodingException | IllegalArgumentException e) {
      // a binary file (/bin/ls) or a broken escape: not what --config takes
      throw new IllegalArgumentException(
          ("--config %s: not a properties file (name=value lines of UTF-8 text; `train --options`"
                  + " lists the names)")
              .formatted(file),
          e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --config " + file + ": " + e, e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
    return out;
  }

  /** Every option with its default and what it means, for {@code --options}. */
  public static List<String> help(Path defaultCheckpointDir) {
    JobConfig d = JobConfig.defaults(TrainingConfig.defaults(), defaultCheckpointDir);
    List<String> lines = new ArrayList<>();
    lines.add(
        "  --config FILE                  properties file with any of the options below (name=value)");
    lines.addAll(OptionTable.help(d.toBuilder(), name -> ""));
    lines.addAll(OptionTable.help(d.evaluation().toBuilder(), name -> ""));
    lines.add(
        "  --kafka.KEY VALUE              any Kafka client setting (security.protocol, sasl.*, ssl.*)");
    lines.add(
        "  --models KEY[:METHOD],...      several models side by side, one trainer subtask each");
    lines.add("      default: one model (--model-key)");
    lines.add(
        "  --model.KEY.OPTION VALUE       a model's own value of a training option, device or"
            + " torch-threads");
    Map<String, Object> baselines = TrainingConfig.defaults(Method.SIMCLR).asMap();
    Map<String, Object> moco = d.training().asMap();
    lines.addAll(
        OptionTable.help(
            d.training().toBuilder(),
            name -> {
              Object own = baselines.get(name);
              return own != null && !name.equals("method") && !own.equals(moco.get(name))
                  ? " (simclr, byol: " + typed(own) + ")"
                  : "";
            }));
    return lines;
  }

  /** A default as a user would type it: 10s rather than PT10S, unset rather than NaN. */
  static String typed(Object v) {
    if (v instanceof Duration d) {
      long ms = d.toMillis();
      return ms % 60_000 == 0 && ms > 0
          ? ms / 60_000 + "m"
          : ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
    if (v instanceof Double x && x.isNaN()) {
      return "unset";
    }
    if (v instanceof Enum<?> e) {
      return e.toString().toLowerCase(Locale.ROOT).replace('_', '-');
    }
    return String.valueOf(v);
  }
}

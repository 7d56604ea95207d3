package io.mixstream.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The options of a config, read from their one declaration: the {@link Option}-annotated public
 * fields of its {@code Builder}. A config record is built from its builder, and copied back into
 * one, by component name; a component whose type is a record nested in the config ({@link
 * TrainingConfig.Model} in {@link TrainingConfig}) is a group of options, built from the same
 * builder. Builder fields without {@link Option} (the training part of a job, its Kafka settings)
 * travel the same way but are no options.
 */
final class OptionTable {
  private static final int COLUMNS = 100;

  private OptionTable() {}

  /** The options a builder class declares, in declaration order. */
  static List<Field> options(Class<?> builder) {
    return Arrays.stream(builder.getFields())
        .filter(f -> f.isAnnotationPresent(Option.class) && !Modifier.isStatic(f.getModifiers()))
        .toList();
  }

  /** An option's name as flags and files spell it: {@code batchSize} is {@code batch-size}. */
  static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  /** The boolean options of these builders, which may stand alone on a command line. */
  static Set<String> booleans(Class<?>... builders) {
    Set<String> out = new LinkedHashSet<>();
    for (Class<?> b : builders) {
      options(b).stream()
          .filter(f -> f.getType() == boolean.class)
          .forEach(f -> out.add(kebab(f.getName())));
    }
    return out;
  }

  /** A {@code type} record with its values taken from {@code builder}'s fields by name. */
  static <R extends Record> R build(Class<R> type, Object builder) {
    return build(type, type, builder);
  }

  @SuppressWarnings("unchecked")
  private static <R> R build(Class<R> type, Class<?> root, Object builder) {
    RecordComponent[] components = type.getRecordComponents();
    Object[] args = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      types[i] = c.getType();
      args[i] =
          isGroup(c.getType(), root)
              ? build(c.getType(), root, builder)
              : get(builder, c.getName());
    }
    try {
      Constructor<?> ctor = type.getDeclaredConstructor(types);
      return (R) ctor.newInstance(args);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw new IllegalArgumentException(e.getCause().getMessage(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Copies {@code config}'s values into {@code builder}'s fields of the same names. */
  static void fill(Object builder, Record config) {
    fill(builder, config, config.getClass());
  }

  private static void fill(Object builder, Record r, Class<?> root) {
    for (RecordComponent c : r.getClass().getRecordComponents()) {
      Object v = component(r, c);
      if (isGroup(c.getType(), root)) {
        fill(builder, (Record) v, root);
      } else {
        set(builder, c.getName(), v);
      }
    }
  }

  /** Option name → value, groups flattened (their names are unique), in declaration order. */
  static Map<String, Object> asMap(Record config) {
    Map<String, Object> m = new LinkedHashMap<>();
    putComponents(config, config.getClass(), m);
    return m;
  }

  private static void putComponents(Record r, Class<?> root, Map<String, Object> m) {
    for (RecordComponent c : r.getClass().getRecordComponents()) {
      Object v = component(r, c);
      if (isGroup(c.getType(), root)) {
        putComponents((Record) v, root, m);
      } else {
        m.put(c.getName(), v);
      }
    }
  }

  private static boolean isGroup(Class<?> type, Class<?> root) {
    return type.isRecord() && type.getEnclosingClass() == root;
  }

  /**
   * Sets the options named in {@code values} (kebab-case) on {@code builder}, removing each from
   * {@code values}; a value that does not convert goes into {@code problems} by option, and the
   * field keeps what it had.
   */
  static void set(Object builder, Map<String, String> values, Map<String, String> problems) {
    for (Field f : options(builder.getClass())) {
      String option = kebab(f.getName());
      String raw = values.remove(option);
      if (raw != null) {
        try {
          set(builder, f.getName(), JobOptions.convert(option, raw.trim(), f.getType()));
        } catch (IllegalArgumentException e) {
          problems.put(option, e.getMessage());
        }
      }
    }
  }

  /**
   * Each option whose value is outside its declared range, or missing, named: "width must be at
   * least 1, got 0".
   */
  static List<String> problems(Object builder) {
    List<String> p = new ArrayList<>();
    for (Field f : options(builder.getClass())) {
      Option o = f.getAnnotation(Option.class);
      String name = kebab(f.getName());
      Object v = get(builder, f.getName());
      if (v == null) {
        p.add(name + " must be set");
      } else if (v instanceof Number n && !inRange(n.doubleValue(), o)) {
        p.add("%s must be %s, got %s".formatted(name, rangeWords(o), JobOptions.typed(v)));
      }
    }
    return p;
  }

  /**
   * @throws IllegalArgumentException "invalid {@code what}: " and every problem, when there are any
   */
  static void refuseAny(List<String> problems, String what) {
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid " + what + ": " + String.join("; ", problems));
    }
  }

  private static boolean inRange(double x, Option o) {
    if (Double.isNaN(x)) {
      return o.mayBeUnset();
    }
    boolean aboveMin = o.minExclusive() ? x > o.min() : x >= o.min();
    boolean belowMax = o.maxExclusive() ? x < o.max() : x <= o.max();
    return aboveMin && belowMax;
  }

  private static String rangeWords(Option o) {
    if (!o.range().isEmpty()) {
      return o.range();
    }
    boolean hasMin = o.min() != Double.NEGATIVE_INFINITY;
    boolean hasMax = o.max() != Double.POSITIVE_INFINITY;
    if (hasMin && hasMax) {
      return "in %s%s,%s%s"
          .formatted(
              o.minExclusive() ? "(" : "[",
              number(o.min()),
              number(o.max()),
              o.maxExclusive() ? ")" : "]");
    }
    if (hasMin) {
      if (o.minExclusive()) {
        return o.min() == 0 ? "positive" : "above " + number(o.min());
      }
      return o.min() == 0 ? "0 or more" : "at least " + number(o.min());
    }
    return (o.maxExclusive() ? "below " : "at most ") + number(o.max());
  }

  private static String number(double x) {
    return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
  }

  /**
   * {@code --options}'s lines for a builder's options: each option with its default as typed, then
   * what it means (and its choices, for an enum), wrapped.
   *
   * @param defaults a builder holding the defaults to show
   * @param note what to add after an option's default, by field name ("" for nothing)
   */
  static List<String> help(Object defaults, java.util.function.Function<String, String> note) {
    List<String> lines = new ArrayList<>();
    Map<String, String> meanings = meanings(defaults.getClass());
    for (Field f : options(defaults.getClass())) {
      String name = kebab(f.getName());
      Object v = get(defaults, f.getName());
      String head =
          f.getType() == boolean.class
              ? "  --%-28s default %s".formatted(name + " [true|false]", v)
              : "  --%-28s default %s".formatted(name + " V", JobOptions.typed(v));
      lines.add(head + note.apply(f.getName()));
      lines.addAll(wrap(meanings.get(name), "      "));
    }
    return lines;
  }

  /** What each option of a builder means, by name (an enum's choices after it), in order. */
  static Map<String, String> meanings(Class<?> builder) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Field f : options(builder)) {
      String meaning = f.getAnnotation(Option.class).value();
      if (f.getType().isEnum()) {
        meaning += " (" + String.join(", ", choices(f.getType())) + ")";
      }
      out.put(kebab(f.getName()), meaning);
    }
    return out;
  }

  /** An enum's values as they are typed: other-view, warmup-constant. */
  static List<String> choices(Class<?> type) {
    return Arrays.stream(type.getEnumConstants()).map(JobOptions::typed).toList();
  }

  private static List<String> wrap(String text, String indent) {
    List<String> out = new ArrayList<>();
    StringBuilder line = new StringBuilder(indent);
    for (String word : text.split(" ")) {
      if (line.length() > indent.length() && line.length() + 1 + word.length() > COLUMNS) {
        out.add(line.toString());
        line = new StringBuilder(indent);
      }
      if (line.length() > indent.length()) {
        line.append(' ');
      }
      line.append(word);
    }
    out.add(line.toString());
    return out;
  }

  private static Object component(Record r, RecordComponent c) {
    try {
      return c.getAccessor().invoke(r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Object get(Object builder, String name) {
    try {
      return builder.getClass().getField(name).get(builder);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(builder.getClass() + " has no public field " + name, e);
    }
  }

  private static void set(Object builder, String name, Object value) {
    try {
      builder.getClass().getField(name).set(builder, value);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(builder.getClass() + " has no public field " + name, e);
    }
  }
}

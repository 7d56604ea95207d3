package io.mixstream.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares an option: a public field of a config's {@code Builder}. The field gives the option's
 * name (kebab-case on the command line: {@code batchSize} is {@code --batch-size}), its type and
 * its default (the field's initial value); this annotation gives what it means and the range a
 * value must lie in. {@link OptionTable} derives from these declarations the flags, the properties
 * file, {@code --options}, the per-option checks, the copy to and from the config record and the
 * printed config, so adding an option is its field here plus the record component its user reads.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Option {
  /** What the option means, for {@code --options}. */
  String value();

  /** The smallest value allowed (numbers only). */
  double min() default Double.NEGATIVE_INFINITY;

  /** The largest value allowed (numbers only). */
  double max() default Double.POSITIVE_INFINITY;

  /** Whether {@link #min()} itself is refused. */
  boolean minExclusive() default false;

  /** Whether {@link #max()} itself is refused. */
  boolean maxExclusive() default false;

  /** Whether NaN, shown as "unset", is allowed: the option is off unless given. */
  boolean mayBeUnset() default false;

  /**
   * The allowed range in words, for the message when a value is outside it ("0 (off) or a number of
   * steps"); by default the message says the bounds.
   */
  String range() default "";
}

package io.mixstream.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of job/ (README, "Packages"), checked on the compiled classes: the learning code does
 * not know Flink, the Flink shells do not know DJL, and no two packages need each other.
 */
class DependencyRulesTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mixstream");
  }

  @Test
  void theLearningCodeDoesNotImportFlink() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.mixstream.model..",
            "io.mixstream.augment..",
            "io.mixstream.mixing..",
            "io.mixstream.loss..",
            "io.mixstream.queue..",
            "io.mixstream.train..",
            "io.mixstream.buffer..",
            "io.mixstream.eval..",
            "io.mixstream.quality..",
            "io.mixstream.config..",
            "io.mixstream.snapshot..",
            "io.mixstream.serve..",
            "io.mixstream.torch..",
            "io.mixstream.rng..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.apache.flink..")
        .check(classes);
  }

  @Test
  void theFlinkShellsDoNotImportDjl() {
    noClasses()
        .that()
        .resideInAPackage("io.mixstream.job..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("ai.djl..")
        .because("operators are thin shells over the learning code, which owns the tensors")
        .check(classes);
  }

  @Test
  void noTwoPackagesDependOnEachOther() {
    slices().matching("io.mixstream.(**)").should().beFreeOfCycles().check(classes);
  }
}

package io.mixstream.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the whole project, checked where every module's classes are on the classpath (tools
 * depends on job and connectors): no two packages of any module need each other, and each module
 * uses only the modules below it. job's own rules (the learning code without Flink, the Flink
 * shells without DJL) are job's {@code DependencyRulesTest}.
 */
class ModuleDependencyRulesTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mixstream");
  }

  @Test
  void theClassesOfEveryModuleAreHere() {
    for (String p :
        new String[] {"io.mixstream.records", "io.mixstream.train", "io.mixstream.tools.cli"}) {
      org.assertj.core.api.Assertions.assertThat(classes.containPackage(p)).as(p).isTrue();
    }
  }

  @Test
  void noTwoPackagesOfAnyModuleDependOnEachOther() {
    slices().matching("io.mixstream.(**)").should().beFreeOfCycles().check(classes);
  }

  @Test
  void theJobDoesNotUseTheTools() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.mixstream.tools..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.mixstream.tools..")
        .check(classes);
  }
}

package io.mixstream.tools.cli;

import picocli.CommandLine;

/** The version from the jar manifest, or "development" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Mixstream.class.getPackage().getImplementationVersion();
    return new String[] {"mixstream " + (v == null ? "development" : v)};
  }
}

package io.mixstream.torch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** auto (GPU if one is visible, else CPU), cpu or gpu; the choice is logged. */
public final class DeviceChoice {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceChoice.class);

  private DeviceChoice() {}

  /**
   * @throws IllegalArgumentException for an unknown name, or "gpu" on a machine without one (DJL
   *     would otherwise fall back to the CPU silently)
   */
  public static Device resolve(String name) {
    int gpus = Engine.getInstance().getGpuCount();
    Device device =
        switch (name.toLowerCase(Locale.ROOT)) {
          case "auto" -> gpus > 0 ? Device.gpu() : Device.cpu();
          case "cpu" -> Device.cpu();
          case "gpu" -> {
            if (gpus == 0) {
              throw new IllegalArgumentException(
                  "--device gpu, but the PyTorch engine sees no GPU (CPU natives, or no CUDA"
                      + " driver?). Build with -Dcu118 for the CUDA natives, or use --device cpu.");
            }
            yield Device.gpu();
          }
          default ->
              throw new IllegalArgumentException(
                  "--device must be auto, cpu or gpu, got '" + name + "'");
        };
    LOG.info(
        "computing on {} (asked: {}; GPUs visible: {}; engine {} {})",
        device,
        name,
        gpus,
        Engine.getInstance().getEngineName(),
        Engine.getInstance().getVersion());
    return device;
  }
}

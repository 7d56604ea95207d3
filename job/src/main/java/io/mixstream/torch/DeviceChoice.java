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
    return resolve(name, 0);
  }

  /**
   * The device of trainer {@code trainer} of a job: auto and gpu give each trainer its own GPU
   * while there are enough (trainer mod GPU count), gpu:N names one.
   *
   * @throws IllegalArgumentException for an unknown name, a GPU the machine lacks, or "gpu" on a
   *     machine without one (DJL would otherwise fall back to the CPU silently)
   */
  public static Device resolve(String name, int trainer) {
    int gpus = Engine.getInstance().getGpuCount();
    String n = name.toLowerCase(Locale.ROOT);
    Device device;
    if (n.equals("cpu")) {
      device = Device.cpu();
    } else if (n.equals("auto")) {
      device = gpus > 0 ? Device.gpu(trainer % gpus) : Device.cpu();
    } else if (n.equals("gpu") || n.matches("gpu:\\d+")) {
      if (gpus == 0) {
        throw new IllegalArgumentException(
            "--device "
                + name
                + ", but the PyTorch engine sees no GPU (CPU natives, or no CUDA"
                + " driver?). Build with -Dcu118 for the CUDA natives, or use --device cpu.");
      }
      int index = n.equals("gpu") ? trainer % gpus : Integer.parseInt(n.substring(4));
      if (index >= gpus) {
        throw new IllegalArgumentException(
            "--device %s, but the PyTorch engine sees %d GPU(s), numbered from 0"
                .formatted(name, gpus));
      }
      device = Device.gpu(index);
    } else {
      throw new IllegalArgumentException(
          "--device must be auto, cpu, gpu or gpu:N, got '" + name + "'");
    }
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

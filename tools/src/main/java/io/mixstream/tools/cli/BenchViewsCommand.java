package io.mixstream.tools.cli;

import io.mixstream.augment.Augmenter;
import io.mixstream.augment.SourceImage;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.ingest.TrainingImage;
import io.mixstream.records.ImageRecord;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.records.PixelEncoding;
import io.mixstream.tools.pictures.Images;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `mixstream bench views`: what the trainer does to a batch before the network, per image: decode
 * the record, decode its pixels (JPEG here), and make the two augmented views.
 */
@Command(
    name = "views",
    mixinStandardHelpOptions = true,
    description =
        "Measures decode + two augmented views, images/s on one core and on all, for 32 px raw"
            + " CIFAR records, 96 px JPEG and 224 px JPEG (real CIFAR images upscaled), each at"
            + " its own --image-size. Prints one JSON line per case and the median of --runs.")
final class BenchViewsCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, paramLabel = "PATH", description = "CIFAR-10 data.")
  Path data;

  @Option(
      names = "--images",
      defaultValue = "512",
      description = "Images per run (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--runs", defaultValue = "5", description = "Runs (default: ${DEFAULT-VALUE}).")
  int runs;

  @Override
  public Integer call() throws Exception {
    Cifar10Dataset cifar = Cifar10Reader.read(data, CifarSplit.TRAIN);
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    for (int side : new int[] {32, 96, 224}) {
      List<byte[]> records = new ArrayList<>();
      long bytes = 0;
      for (int i = 0; i < images; i++) {
        ImageRecord r = side == 32 ? cifar.record(i) : jpeg(cifar, i, side);
        byte[] encoded = codec.encode(r);
        bytes += encoded.length;
        records.add(encoded);
      }
      TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
      b.imageSize = side;
      TrainingConfig c = b.build();
      Augmenter augmenter = new Augmenter(c.augmentation(), side, c.seed());
      for (int threads : new int[] {1, Runtime.getRuntime().availableProcessors()}) {
        List<Double> rates = new ArrayList<>();
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
          for (int run = 0; run < runs + 1; run++) { // the first run warms up, untimed
            long t0 = System.nanoTime();
            pool.submit(() -> viewsOf(records, codec, augmenter)).get();
            double s = (System.nanoTime() - t0) / 1e9;
            if (run > 0) {
              rates.add(images / s);
            }
          }
        } finally {
          pool.shutdown();
        }
        Collections.sort(rates);
        double median = rates.get(rates.size() / 2);
        System.out.printf(
            "{\"case\": \"%s\", \"image_size\": %d, \"threads\": %d, \"images\": %d,"
                + " \"record_bytes_mean\": %d, \"img_per_s_median\": %.0f,"
                + " \"img_per_s_per_thread\": %.0f}%n",
            side == 32 ? "32 px raw" : side + " px JPEG",
            side,
            threads,
            images,
            bytes / images,
            median,
            median / threads);
      }
    }
    return 0;
  }

  /** Inside the pool: decode each record and its pixels in parallel, then both views. */
  private static float viewsOf(List<byte[]> records, ImageRecordCodec codec, Augmenter augmenter) {
    SourceImage[] sources =
        records.parallelStream()
            .map(
                bytes -> {
                  try {
                    ImageRecord r = codec.decode(bytes);
                    return new TrainingImage(
                            "bench",
                            r.id(),
                            r.label(),
                            r.height(),
                            r.width(),
                            r.channels(),
                            r.encoding(),
                            r.pixels())
                        .source();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                })
            .toArray(SourceImage[]::new);
    float[] x1 = augmenter.view(sources, 1, 0);
    float[] x2 = augmenter.view(sources, 1, 1);
    return x1[0] + x2[0];
  }

  static ImageRecord jpeg(Cifar10Dataset cifar, int index, int side) throws Exception {
    BufferedImage big = Images.square(Images.fromPlanar(cifar.pixels(index), 32), side);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(big, "jpeg", out);
    return new ImageRecord(
        cifar.id(index), cifar.label(index), side, side, 3, PixelEncoding.JPEG, out.toByteArray());
  }
}

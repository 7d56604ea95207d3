package io.mixstream.tools.replay;

import io.mixstream.augment.EvalTransform;
import io.mixstream.augment.SourceImage;
import io.mixstream.records.EncodedImages;
import io.mixstream.records.ImageRecord;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.records.PixelEncoding;
import io.mixstream.records.RecordLimits;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A folder of image files as a replay source, torchvision's ImageFolder layout: {@code
 * DIR/<class>/**} gives each file the index of its class among the sorted class names; a folder
 * without class subfolders gives unlabelled images. With {@code DIR/train} and {@code DIR/test} the
 * split is the subfolder; otherwise a held-out fraction of the files, chosen by a hash of their
 * path (the same files every run), is the test split. PNG and JPEG files go out as they are; other
 * formats ImageIO reads are re-encoded as PNG; {@code resize > 0} sends S×S raw pixels instead
 * (shorter side to S, centre crop: the evaluation transform). A file that does not decode is named
 * once on the log, skipped and counted.
 */
public final class ImageFolder implements ReplaySource {
  /**
   * The names tried as images. WebP is among them although Java reads none, so that such a photo is
   * named and counted as a file that could not be read rather than passed over.
   */
  private static final Set<String> EXTENSIONS =
      Set.of("png", "jpg", "jpeg", "bmp", "gif", "wbmp", "tif", "tiff", "webp");

  /** The longest side sent: the job's decoder refuses more ({@code RecordLimits.DEFAULT}). */
  static final int MAX_SIDE = RecordLimits.DEFAULT.maxSide();

  private final Path base;
  private final List<Path> files;
  private final int[] labels;
  private final List<String> classes;
  private final int resize;
  private final PrintStream log;
  private final Set<Integer> skipped = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Set<Integer> resized = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> ignored;
  private volatile int maxPixelBytes = Integer.MAX_VALUE;

  private ImageFolder(
      Path base,
      List<Path> files,
      int[] labels,
      List<String> classes,
      int resize,
      Map<String, Integer> ignored,
      PrintStream log) {
    this.ignored = ignored;
    this.base = base;
    this.files = files;
    this.labels = labels;
    this.classes = classes;
    this.resize = resize;
    this.log = log;
  }

  /** Whether {@code dir} is CIFAR-10's binary folder rather than a folder of image files. */
  public static boolean isCifar(Path dir) {
    return Files.isRegularFile(dir)
        || Files.isRegularFile(dir.resolve("test_batch.bin"))
        || Files.isRegularFile(dir.resolve("data_batch_1.bin"));
  }

  /**
   * @param split "train" or "test"
   * @param holdout the share of files in the test split when there are no train/ and test/
   *     subfolders, 0 to 1
   * @param resize S for S×S raw pixels, or 0 to send the files
   * @param log where skipped files and the classes are said
   * @throws IllegalArgumentException naming what is wrong with the folder or the options
   */
  public static ImageFolder open(
      Path root, String split, double holdout, int resize, PrintStream log) throws IOException {
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException(root + " is not a folder");
    }
    if (!split.equals("train") && !split.equals("test")) {
      throw new IllegalArgumentException("--split must be train or test, got " + split);
    }
    if (!(holdout >= 0 && holdout < 1)) {
      throw new IllegalArgumentException("--holdout must be in [0, 1), got " + holdout);
    }
    boolean splitFolders =
        Files.isDirectory(root.resolve("train")) && Files.isDirectory(root.resolve("test"));
    Path base = splitFolders ? root.resolve(split) : root;
    List<Path> classDirs;
    try (Stream<Path> s = Files.list(base)) {
      classDirs =
          s.filter(Files::isDirectory)
              .filter(d -> !d.getFileName().toString().startsWith("."))
              .filter(ImageFolder::holdsImages)
              .sorted(Comparator.comparing(p -> p.getFileName().toString()))
              .toList();
    }
    List<String> classes = classDirs.stream().map(d -> d.getFileName().toString()).toList();
    List<Path> files = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    if (classDirs.isEmpty()) {
      for (Path f : imagesUnder(base)) {
        files.add(f);
        labels.add(ImageRecord.NO_LABEL);
      }
    } else {
      for (int c = 0; c < classDirs.size(); c++) {
        for (Path f : imagesUnder(classDirs.get(c))) {
          files.add(f);
          labels.add(c);
        }
      }
    }
    if (!splitFolders && holdout > 0) {
      List<Path> keptFiles = new ArrayList<>();
      List<Integer> keptLabels = new ArrayList<>();
      for (int i = 0; i < files.size(); i++) {
        boolean test = heldOut(base.relativize(files.get(i)), holdout);
        if (test == split.equals("test")) {
          keptFiles.add(files.get(i));
          keptLabels.add(labels.get(i));
        }
      }
      files = keptFiles;
      labels = keptLabels;
    } else if (!splitFolders && split.equals("test")) {
      throw new IllegalArgumentException(
          root
              + " has no train/ and test/ subfolders: give --holdout F to hold out a share of the"
              + " files as the test split");
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException(
          "no image files (%s) under %s"
              .formatted(String.join(", ", EXTENSIONS.stream().sorted().toList()), base));
    }
    return new ImageFolder(
        base,
        List.copyOf(files),
        labels.stream().mapToInt(Integer::intValue).toArray(),
        classes,
        resize,
        otherFiles(base),
        log);
  }

  /** The files under {@code dir} that are not tried as images, counted by extension. */
  private static Map<String, Integer> otherFiles(Path dir) throws IOException {
    Map<String, Integer> out = new java.util.TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      s.filter(Files::isRegularFile)
          .filter(f -> !isImageName(f))
          .filter(f -> !f.equals(dir.resolve("classes.txt"))) // this tool's own
          .forEach(f -> out.merge(extension(f), 1, Integer::sum));
    }
    return Map.copyOf(out);
  }

  private static String extension(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(dot) : n.startsWith(".") ? n : "(none)";
  }

  /**
   * Writes {@code classes.txt} beside the data: one class name per line, line i is label i.
   *
   * @return the file, or empty when the folder has no classes
   */
  public Optional<Path> writeClasses(Path root) throws IOException {
    if (classes.isEmpty()) {
      return Optional.empty();
    }
    Path out = root.resolve("classes.txt");
    Files.writeString(out, String.join("\n", classes) + "\n", StandardCharsets.UTF_8);
    return Optional.of(out);
  }

  private static boolean holdsImages(Path dir) {
    try {
      return !imagesUnder(dir).isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Path> imagesUnder(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).filter(ImageFolder::isImageName).sorted().toList();
    }
  }

  private static boolean isImageName(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    int dot = n.lastIndexOf('.');
    return !n.startsWith(".") && dot > 0 && EXTENSIONS.contains(n.substring(dot + 1));
  }

  /** The same files for the same fraction on every run and every machine. */
  static boolean heldOut(Path relative, double fraction) {
    String key = relative.toString().replace('\\', '/');
    long h = 1125899906842597L;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h = 31 * h + b;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return Math.floorMod(h, 1_000_000L) < fraction * 1_000_000;
  }

  @Override
  public int size() {
    return files.size();
  }

  @Override
  public List<String> classes() {
    return classes;
  }

  @Override
  public int skipped() {
    return skipped.size();
  }

  @Override
  public int resized() {
    return resized.size();
  }

  @Override
  public Map<String, Integer> ignoredFiles() {
    return ignored;
  }

  @Override
  public void limitRecordBytes(int maxRecordBytes) {
    // the record's header and longest id, and room for Kafka's own framing of key and headers
    maxPixelBytes =
        maxRecordBytes - ImageRecordCodec.HEADER_BYTES - 2 * ImageRecordCodec.MAX_ID_BYTES - 512;
  }

  /** The record's id: the file's path under the folder, with / separators (at most 255 bytes). */
  String id(int index) {
    String rel = base.relativize(files.get(index)).toString().replace('\\', '/');
    byte[] utf8 = rel.getBytes(StandardCharsets.UTF_8);
    if (utf8.length <= 255) {
      return rel;
    }
    String hash = Integer.toHexString(rel.hashCode());
    return "…" + rel.substring(rel.length() - 200) + "#" + hash;
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  @Override
  public Optional<ImageRecord> record(int index) {
    Path file = files.get(index);
    try {
      byte[] bytes = Files.readAllBytes(file);
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
      if (image == null) {
        return skip(
            index,
            extension(file).equals(".webp")
                ? "Java reads no WebP; convert it to PNG or JPEG to send it"
                : "no image reader recognises it");
      }
      int h = image.getHeight();
      int w = image.getWidth();
      int channels = image.getColorModel().getNumColorComponents() == 1 ? 1 : 3;
      String id = id(index);
      int label = labels[index];
      if (resize > 0) {
        byte[] planar = EncodedImages.planar(image).rgb();
        byte[] square = EvalTransform.toSquare(new SourceImage(h, w, planar), resize);
        return Optional.of(ImageRecord.rawRgb(id, label, resize, resize, square));
      }
      PixelEncoding encoding = EncodedImages.sniff(bytes);
      if (encoding == null) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        bytes = png.toByteArray();
        encoding = PixelEncoding.PNG;
      }
      if (Math.max(h, w) > MAX_SIDE || bytes.length > maxPixelBytes) {
        return fitted(index, image, id, label, bytes.length);
      }
      return Optional.of(new ImageRecord(id, label, h, w, channels, encoding, bytes));
    } catch (IOException | RuntimeException e) {
      return skip(index, e.toString());
    }
  }

  /**
   * A photo too large to send (its side over {@link #MAX_SIDE}, or its file over what the topic
   * takes), scaled down to fit and sent as JPEG: the side at most 2,048 first (more than any
   * training view uses), halved again while the JPEG is still too large. Said once for the first.
   */
  private Optional<ImageRecord> fitted(
      int index, BufferedImage image, String id, int label, int fileBytes) throws IOException {
    int h = image.getHeight();
    int w = image.getWidth();
    double scale = Math.min(1.0, 2048.0 / Math.max(h, w));
    for (int attempt = 0; attempt < 6; attempt++, scale /= 2) {
      int sh = Math.max(1, (int) Math.round(h * scale));
      int sw = Math.max(1, (int) Math.round(w * scale));
      byte[] jpeg = jpeg(scaled(image, sw, sh), 0.9f);
      if (jpeg.length <= maxPixelBytes) {
        if (resized.add(index) && resized.size() == 1) {
          log.printf(
              "resizing photos too large to send (over %,d px a side, or over %,d bytes for the"
                  + " topic) on the way, as JPEG; the first: %s, %dx%d (%,d bytes) -> %dx%d (%,d"
                  + " bytes)%n",
              MAX_SIDE, maxPixelBytes, files.get(index), w, h, fileBytes, sw, sh, jpeg.length);
        }
        return Optional.of(new ImageRecord(id, label, sh, sw, 3, PixelEncoding.JPEG, jpeg));
      }
    }
    return skip(
        index, "too large to send even scaled down (the topic takes " + maxPixelBytes + " bytes)");
  }

  private static byte[] jpeg(BufferedImage image, float quality) throws IOException {
    javax.imageio.ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (javax.imageio.stream.ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(ios);
      javax.imageio.ImageWriteParam p = writer.getDefaultWriteParam();
      p.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
      p.setCompressionQuality(quality);
      writer.write(null, new javax.imageio.IIOImage(image, null, null), p);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  private static BufferedImage scaled(BufferedImage image, int w, int h) {
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(
          java.awt.RenderingHints.KEY_INTERPOLATION,
          java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(
          java.awt.RenderingHints.KEY_RENDERING, java.awt.RenderingHints.VALUE_RENDER_QUALITY);
      g.drawImage(image.getScaledInstance(w, h, java.awt.Image.SCALE_AREA_AVERAGING), 0, 0, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  private Optional<ImageRecord> skip(int index, String why) {
    if (skipped.add(index)) {
      log.printf("skipped %s: %s%n", files.get(index), why);
    }
    return Optional.empty();
  }
}

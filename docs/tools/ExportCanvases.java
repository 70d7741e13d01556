// Writes the bundled localisation test canvases: 100 canvases made from the Fashion-MNIST test split (seed 2,
// indices 0..99, exactly those `heed train --dataset cluttered` scores its accuracy on) as 8-bit gray PNGs, and
// their labels and item boxes as boxes.csv. Run once from the repository root after building:
//   java -cp toolkit/target/heed.jar docs/tools/ExportCanvases.java /usr/share/datasets/fashion-mnist toolkit/samples/cluttered
import dev.heed.toolkit.data.ClutteredFashion;
import dev.heed.toolkit.data.FashionMnist;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

public class ExportCanvases {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        ClutteredFashion canvases = new ClutteredFashion(FashionMnist.test(Path.of(args[0])), 2);
        List<String> lines = new ArrayList<>(List.of("file,label,left,top,width,height"));
        for (int i = 0; i < 100; i++) {
            ClutteredFashion.Canvas c = canvases.canvas(i);
            BufferedImage image = new BufferedImage(ClutteredFashion.SIDE, ClutteredFashion.SIDE, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setPixels(0, 0, ClutteredFashion.SIDE, ClutteredFashion.SIDE, c.pixels());
            String name = String.format("canvas-%03d.png", i);
            ImageIO.write(image, "png", out.resolve(name).toFile());
            lines.add(name + "," + c.label() + "," + c.left() + "," + c.top() + "," + c.width() + "," + c.height());
        }
        Files.write(out.resolve("boxes.csv"), lines);
    }
}

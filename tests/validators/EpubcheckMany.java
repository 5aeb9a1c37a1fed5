import com.adobe.epubcheck.api.EpubCheck;
import com.adobe.epubcheck.reporting.CheckingReport;
import java.io.File;
import java.io.PrintWriter;

/** EPUBCheck over several EPUBs in one JVM (each start costs about ten seconds).
 *  Arguments: pairs of EPUB path and JSON report path; each report is the one
 *  `java -jar epubcheck.jar BOOK.epub --json REPORT.json` writes. */
public class EpubcheckMany {
    public static void main(String[] args) throws Exception {
        for (int i = 0; i + 1 < args.length; i += 2) {
            try (PrintWriter json = new PrintWriter(args[i + 1], "UTF-8")) {
                CheckingReport report = new CheckingReport(json, args[i]);
                report.initialize();
                new EpubCheck(new File(args[i]), report).doValidate();
                report.generate();
            }
        }
    }
}

// Opens each XHTML file in headless Chromium at a phone's width and reports anything wider
// than the screen. usage: node overflow.mjs WIDTH file.xhtml... ; prints JSON, one object per file.
import puppeteer from "puppeteer-core";

const [width, ...files] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.PUPPETEER_EXECUTABLE_PATH,
  args: ["--no-sandbox", "--disable-setuid-sandbox"],
  headless: true,
});
const results = [];
try {
  const page = await browser.newPage();
  await page.setViewport({ width: Number(width), height: 844, deviceScaleFactor: 1 });
  for (const file of files) {
    await page.goto(`file://${file}`, { waitUntil: "load" });
    results.push(await page.evaluate((limit) => {
      const wide = [];
      for (const element of document.body.querySelectorAll("*")) {
        const box = element.getBoundingClientRect();
        if (box.width > 0 && box.right > limit + 0.5) {
          wide.push(`${element.tagName.toLowerCase()}#${element.id || ""}: ${Math.round(box.right)}px`);
        }
      }
      return { file: location.pathname.split("/").pop(),
               scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 10) };
    }, Number(width)));
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(results));

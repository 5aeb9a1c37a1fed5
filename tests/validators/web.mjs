// Checks the web edition in headless Chromium as a reader's browser shows it, at a phone's
// width and a desktop's, in the light and the dark scheme: axe-core's accessibility rules,
// every in-page link's target, every file the page loads, anything wider than the phone.
// usage: node web.mjs page.html [screenshot-folder] ; prints one JSON object.
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const axePath = require.resolve("axe-core/axe.min.js");
const [file, shots] = process.argv.slice(2);
const views = [
  { name: "phone", width: 390, height: 844, scheme: "light" },
  { name: "phone-dark", width: 390, height: 844, scheme: "dark" },
  { name: "desktop", width: 1280, height: 900, scheme: "light" },
  { name: "desktop-dark", width: 1280, height: 900, scheme: "dark" },
];
const browser = await puppeteer.launch({
  executablePath: process.env.PUPPETEER_EXECUTABLE_PATH,
  args: ["--no-sandbox", "--disable-setuid-sandbox"],
  headless: true,
});
const report = { views: {}, failedRequests: [], brokenLinks: [], fonts: [], images: [] };
try {
  const page = await browser.newPage();
  // Only while the page loads: axe-core itself re-fetches the stylesheet, which file:// refuses.
  let loading = false;
  page.on("requestfailed", (request) => {
    if (loading) report.failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`);
  });
  for (const view of views) {
    await page.setViewport({ width: view.width, height: view.height, deviceScaleFactor: 1 });
    await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: view.scheme }]);
    loading = true;
    await page.goto(`file://${file}`, { waitUntil: "load" });
    await page.evaluate(() => document.fonts.ready);
    loading = false;
    await page.addScriptTag({ path: axePath });
    const axe = await page.evaluate(async () => {
      const result = await window.axe.run(document);
      return result.violations.map((v) => ({
        id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
      }));
    });
    const layout = await page.evaluate((limit) => {
      const wide = [];
      for (const element of document.body.querySelectorAll("*")) {
        const box = element.getBoundingClientRect();
        if (box.width > 0 && (box.right > limit + 0.5 || box.left < -0.5) && element.className !== "skip") {
          wide.push(`${element.tagName.toLowerCase()}#${element.id}: ${Math.round(box.left)}..${Math.round(box.right)}px`);
        }
      }
      return { scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 10) };
    }, view.width);
    report.views[view.name] = { axe, ...layout };
    if (shots) {
      await page.screenshot({ path: `${shots}/${view.name}-top.png` });
      await page.screenshot({ path: `${shots}/${view.name}-full.png`, fullPage: true });
    }
  }
  Object.assign(report, await page.evaluate(() => ({
    brokenLinks: [...document.querySelectorAll('a[href^="#"]')]
      .map((a) => a.getAttribute("href"))
      .filter((href) => !document.getElementById(decodeURIComponent(href.slice(1)))),
    links: document.querySelectorAll('a[href^="#"]').length,
    fonts: [...document.fonts].map((f) => `${f.family} ${f.weight} ${f.style}: ${f.status}`),
    images: [...document.images].map((i) => `${i.getAttribute("src")}: ${i.naturalWidth}`),
  })));
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));

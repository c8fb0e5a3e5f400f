import { chromium } from "playwright-core";

/** Debian's chromium, headless, with nothing reaching out to the network on its own. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Opens a local page, collects console errors and failed requests, and saves a full-page screenshot. */
export async function openInBrowser(
  file: string,
  screenshot: string,
): Promise<{ title: string; errors: string[]; svgs: number }> {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: FLAGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
    await page.goto(`file://${file}`, { waitUntil: "load" });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { title: await page.title(), errors, svgs: await page.locator("svg").count() };
  } finally {
    await browser.close();
  }
}

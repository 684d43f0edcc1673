// One golden paste per layout on the home page, in Debian's Chromium.
// Started by tests/tests/pastes_pages.rs:
//
//   node pastes.mjs BASE_URL OUT_DIR SCENARIO.json
//
// SCENARIO.json holds the cases (text, the --to hint, the recipient, the
// names of the right actors and a reply phrase in each language). Each case is pasted
// into the form in lang=ja and lang=en and submitted; the answer must show
// the recipient, who must act and the phrase, in the answer itself (the
// form beneath it echoes the paste). One JSON line per check;
// exits 1 when any check failed. A screenshot of every answer is kept.
import { readFileSync, mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const [base, outDir, scenarioFile] = process.argv.slice(2);
const { cases } = JSON.parse(readFileSync(scenarioFile, "utf8"));
mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failures = 0;

function expect(cond, message) { if (!cond) throw new Error(message); }

for (const c of cases) {
  for (const lang of ["ja", "en"]) {
    const name = `${c.name}-${lang}`;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    try {
      await page.goto(`${base}/?lang=${lang}`);
      await page.fill("#bounce", c.text);
      if (c.to) await page.fill("#recipient", c.to);
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      const main = await page.textContent("main");
      // Only the answers count: the form below them echoes the paste.
      const answer = (await page.locator("section.answer").allTextContents()).join("\n");
      const actor = lang === "ja" ? c.actor_ja : c.actor_en;
      const phrase = lang === "ja" ? c.phrase_ja : c.phrase_en;
      const problems = [];
      if (!answer) problems.push("no answer");
      if (c.recipient && !answer.includes(c.recipient)) problems.push(`recipient ${c.recipient} not shown`);
      if (!actor.some((a) => answer.includes(a))) problems.push(`actor "${actor.join('" or "')}" not shown`);
      if (phrase && !answer.includes(phrase)) problems.push(`phrase "${phrase}" not shown`);
      if (errors.length) problems.push("script errors: " + errors.join("; "));
      await page.screenshot({ path: `${outDir}/${name}.png`, fullPage: true });
      expect(problems.length === 0, problems.join("; ") + " — page: " + main.replace(/\s+/g, " ").slice(0, 500));
      console.log(JSON.stringify({ check: name, layout: c.layout, ok: true }));
    } catch (e) {
      failures += 1;
      try { await page.screenshot({ path: `${outDir}/failure-${name}.png`, fullPage: true }); } catch (_) { /* the page is gone */ }
      console.log(JSON.stringify({ check: name, layout: c.layout, ok: false, error: String(e && e.message || e) }));
    } finally {
      await context.close();
    }
  }
}

await browser.close();
process.exit(failures ? 1 : 0);

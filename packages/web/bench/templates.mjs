// Benchmark: the same page rendered by EtaTemplateEngine and NunjucksTemplateEngine, in one process
// and one run: a layout with blocks, an include, a loop of 50 table rows whose text needs escaping,
// about 10 KB of HTML. Each engine renders through `render(name, namespace)` as RequestHandler
// does, awaiting each render, compiled templates cached (production settings). Reports renders per
// second and µs per render for each engine, the median of BENCH_RUNS runs (engines alternate which
// goes first), and the ratio. No network. Run with
// `flock /tmp/bench.lock pnpm --filter @t/web bench:templates` (needs `pnpm --filter @t/web build`).
// Env: BENCH_DURATION_MS per engine per run (default 2000), BENCH_RUNS (2), BENCH_MAX_RENDERS per
// engine per run (200 000).
import { fileURLToPath } from "node:url";
import { EtaTemplateEngine, NunjucksTemplateEngine } from "../dist/index.js";

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 2000);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const MAX_RENDERS = Number(process.env.BENCH_MAX_RENDERS ?? 200_000);
const WARMUP_RENDERS = 500;
const ROWS = 50;

const dir = (sub) => fileURLToPath(new URL(`./templates/${sub}/`, import.meta.url));

const engines = {
  eta: { engine: new EtaTemplateEngine({ templatePath: dir("eta") }), name: "page" },
  nunjucks: {
    // Whitespace "all" so that both engines write the same bytes (Tornado's default, "single",
    // would fold the indentation away and make nunjucks' page smaller).
    engine: new NunjucksTemplateEngine({ templatePath: dir("nunjucks"), whitespace: "all" }),
    name: "page.html",
  },
};

/** What a handler's getTemplateNamespace() gives, with the names each syntax uses. */
function namespace() {
  const rows = [];
  for (let i = 0; i < ROWS; i++) {
    rows.push({
      id: i + 1,
      name: `Widget <${i}> & co`,
      owner: i % 3 === 0 ? "O'Brien" : "Ann & Bob",
      note: `Shelf ${i % 7}: keep <dry> & cool`,
      qty: (i * 7) % 23,
      active: i % 4 !== 0,
    });
  }
  const staticUrl = (path) => `/static/${path}?v=0123456789abcdef`;
  return {
    title: "Inventory <week 49>",
    intro: "Everything on the shelves, with the notes the team left & the owners' names.",
    links: [
      { href: "/", label: "Home" },
      { href: "/items?sort=name&dir=asc", label: "Items" },
      { href: "/owners", label: "Owners & teams" },
    ],
    rows,
    instance: "bench:1",
    currentUser: "ann",
    current_user: "ann",
    staticUrl,
    static_url: staticUrl,
  };
}

async function measure(entry, ns) {
  const { engine, name } = entry;
  for (let i = 0; i < WARMUP_RENDERS; i++) await engine.render(name, ns);
  const start = performance.now();
  const deadline = start + DURATION_MS;
  let n = 0;
  while (n < MAX_RENDERS) {
    await engine.render(name, ns);
    n++;
    if ((n & 63) === 0 && performance.now() >= deadline) break;
  }
  const ms = performance.now() - start;
  return { perSecond: (n * 1000) / ms, usPerRender: (ms * 1000) / n, renders: n };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const ns = namespace();
const sizes = {};
for (const [key, entry] of Object.entries(engines)) {
  const html = await entry.engine.render(entry.name, ns);
  if ((html.match(/<tr class=/g) ?? []).length !== ROWS || !html.includes("&lt;week 49&gt;")) {
    throw new Error(`${key} did not render the page as expected`);
  }
  sizes[key] = Buffer.byteLength(html);
}

const results = { eta: [], nunjucks: [] };
for (let run = 0; run < RUNS; run++) {
  const order = run % 2 === 0 ? ["eta", "nunjucks"] : ["nunjucks", "eta"];
  for (const key of order) results[key].push(await measure(engines[key], ns));
}

console.log(
  `Node ${process.version}, ${RUNS} runs of ${DURATION_MS} ms per engine, medians; page: ${ROWS} rows`,
);
console.log("| engine   | renders/s | µs/render | page bytes |");
console.log("| -------- | --------- | --------- | ---------- |");
const row = {};
for (const key of ["eta", "nunjucks"]) {
  const perSecond = median(results[key].map((r) => r.perSecond));
  const us = median(results[key].map((r) => r.usPerRender));
  row[key] = us;
  console.log(
    `| ${key.padEnd(8)} | ${Math.round(perSecond).toString().padStart(9)} | ${us.toFixed(1).padStart(9)} | ${String(sizes[key]).padStart(10)} |`,
  );
}
console.log(
  `runs (µs/render): eta ${results.eta.map((r) => r.usPerRender.toFixed(1)).join(", ")}; nunjucks ${results.nunjucks.map((r) => r.usPerRender.toFixed(1)).join(", ")}`,
);
console.log(`nunjucks / eta time per render: ${(row.nunjucks / row.eta).toFixed(2)}×`);

// The "where the time goes" tables: one markdown table per scenario, servers side by side, and
// per server its top JavaScript functions, native symbols and syscalls.

import { classes } from "./profile-classify.mjs";

const pct = (x) => (x >= 0.095 ? `${(x * 100).toFixed(0)} %` : `${(x * 100).toFixed(1)} %`);
const num = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");

/**
 * One scenario's profile as markdown. `scenario` is { title, unit } ("request" or "message");
 * `rows` holds per server { name, cpuUsPerUnit, cpuUsPerUnitRuns, unitsPerS, samples, shares: Map(class → 0..1),
 * topJs, topNative: [label, share][], syscallsPerUnit, bySyscall: [name, perUnit][] }.
 */
export function renderScenario(scenario, rows) {
  const out = [`**${scenario.title}**`, ""];
  const head = [`share of server CPU (µs per ${scenario.unit})`, ...rows.map((r) => r.name)];
  out.push(`| ${head.join(" | ")} |`);
  out.push(`| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`);
  out.push(
    `| server CPU µs per ${scenario.unit} (under perf) | ${rows.map((r) => `**${num(r.cpuUsPerUnit, 2)}**`).join(" | ")} |`,
  );
  for (const [id, label] of classes) {
    if (!rows.some((r) => (r.shares.get(id) ?? 0) >= 0.0005)) continue;
    const cells = rows.map((r) => {
      const s = r.shares.get(id) ?? 0;
      return s < 0.0005 ? "–" : `${pct(s)} (${num(s * r.cpuUsPerUnit, 2)})`;
    });
    out.push(`| ${label} | ${cells.join(" | ")} |`);
  }
  out.push(
    `| syscalls per ${scenario.unit} | ${rows.map((r) => num(r.syscallsPerUnit, 2)).join(" | ")} |`,
  );
  out.push("");
  for (const r of rows) {
    const list = (xs) => xs.map(([n, s]) => `\`${n}\` ${pct(s)}`).join(", ") || "–";
    out.push(
      `- ${r.name} (${r.samples} samples, ${num(r.unitsPerS, 0)} ${scenario.unit}s/s, CPU µs per ${scenario.unit} by run ${r.cpuUsPerUnitRuns.map((x) => num(x, 2)).join(" / ")}): JS ${list(r.topJs)}; native ${list(r.topNative)}; syscalls per ${scenario.unit}: ${r.bySyscall.map(([n, c]) => `${n} ${num(c, 2)}`).join(", ") || "–"}`,
    );
  }
  out.push("");
  return out.join("\n");
}

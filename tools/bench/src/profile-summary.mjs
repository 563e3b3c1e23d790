// One server's profile over its runs: samples pooled into class shares and top symbols, CPU and
// syscalls per request as the median of the runs.

import path from "node:path";
import { median } from "./median.mjs";
import { shortJsName } from "./profile-classify.mjs";

/**
 * Folds the runs of one server (each { name, cpuUsPerUnit, unitsPerS, counts: Map("dso\tsym" →
 * samples), total, syscallsPerUnit, bySyscall: Map(name → per unit) }) into the row that
 * profile-render.mjs prints; `classify(dso, sym)` names the class of a sample.
 */
export function summarize(runs, classify, topN) {
  const total = runs.reduce((a, r) => a + r.total, 0);
  const shares = new Map();
  const js = new Map();
  const native = new Map();
  const add = (map, k, v) => map.set(k, (map.get(k) ?? 0) + v);
  for (const r of runs) {
    for (const [key, n] of r.counts) {
      const [dso, sym] = key.split("\t");
      const cls = classify(dso, sym);
      add(shares, cls, n / total);
      if (cls === "js") add(js, shortJsName(sym), n / total);
      else add(native, sym === "[unknown]" ? `${path.basename(dso)}+?` : sym, n / total);
    }
  }
  const top = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, topN);
  const names = new Set(runs.flatMap((r) => [...r.bySyscall.keys()]));
  const bySyscall = [...names].map((n) => [n, median(runs.map((r) => r.bySyscall.get(n) ?? 0))]);
  return {
    name: runs[0].name,
    runs: runs.length,
    cpuUsPerUnitRuns: runs.map((r) => r.cpuUsPerUnit),
    cpuUsPerUnit: median(runs.map((r) => r.cpuUsPerUnit)),
    unitsPerS: median(runs.map((r) => r.unitsPerS)),
    samples: total,
    shares,
    topJs: top(js),
    topNative: top(native),
    syscallsPerUnit: median(runs.map((r) => r.syscallsPerUnit)),
    bySyscall: bySyscall.sort((a, b) => b[1] - a[1]).slice(0, topN),
  };
}

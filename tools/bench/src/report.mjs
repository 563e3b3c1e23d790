// Renders benchmark results: Markdown tables with ratios, the aims of issue 20, an SVG chart.

const fmt = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : "–");
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : Number.NaN);
const rowOf = (section, id) => section.rows.find((r) => r.id === id);

/** The figure a section's bars and ratios compare: throughput, and CPU per unit of work. */
function measures(section) {
  return section.kind === "ws"
    ? { rate: "msgPerS", rateUnit: "msg/s", cpu: "cpuUsPerMsg", cpuUnit: "CPU µs/msg" }
    : { rate: "rps", rateUnit: "req/s", cpu: "cpuUsPerReq", cpuUnit: "CPU µs/req" };
}

/** One Markdown table for one scenario of a section. */
function scenarioTable(section, sc) {
  const base = rowOf(section, section.base.id)?.[sc.id];
  const anchors = section.anchors.filter((a) => rowOf(section, a.id));
  const lines = [`**${sc.label}**`, ""];
  if (section.kind === "ws") {
    lines.push(
      `| server | msg/s | CPU µs/msg | msg per CPU-s | ×${section.base.label} | ${anchors.map((a) => `×${a.label}`).join(" | ")} |`,
      `| --- | ---: | ---: | ---: | ---: | ${anchors.map(() => "---:").join(" | ")} |`,
    );
    for (const r of section.rows) {
      const m = r[sc.id];
      const vsAnchors = anchors.map((a) =>
        fmt(ratio(m.msgPerCpuS, rowOf(section, a.id)[sc.id].msgPerCpuS), 2),
      );
      lines.push(
        `| ${r.name} | ${fmt(m.msgPerS)} | ${fmt(m.cpuUsPerMsg, 2)} | ${fmt(m.msgPerCpuS)} | ${fmt(ratio(m.msgPerCpuS, base?.msgPerCpuS), 2)} | ${vsAnchors.join(" | ")} |`,
      );
    }
  } else {
    lines.push(
      `| server | req/s | ×${section.base.label} | p99 ms | CPU µs/req | ${anchors.map((a) => `CPU ×${a.label}`).join(" | ")} |`,
      `| --- | ---: | ---: | ---: | ---: | ${anchors.map(() => "---:").join(" | ")} |`,
    );
    for (const r of section.rows) {
      const m = r[sc.id];
      const vsAnchors = anchors.map((a) =>
        fmt(ratio(m.cpuUsPerReq, rowOf(section, a.id)[sc.id].cpuUsPerReq), 2),
      );
      lines.push(
        `| ${r.name} | ${fmt(m.rps)} | ${fmt(ratio(m.rps, base?.rps), 2)} | ${m.p99Ms > 0 ? fmt(m.p99Ms, 2) : "–"} | ${fmt(m.cpuUsPerReq, 2)} | ${vsAnchors.join(" | ")} |`,
      );
    }
  }
  lines.push("");
  return lines;
}

/**
 * Issue 20's aims that this harness measures, each as { aim, figure, target, met } (met is
 * null when a server it needs was not run).
 */
export function computeAims(sections) {
  const aims = [];
  const get = (sec, id, sc, key) =>
    rowOf(sections.find((s) => s.id === sec) ?? { rows: [] }, id)?.[sc]?.[key];
  // The verdict is on the figure as printed (two decimals), so that "1.10 ≤ 1.10" reads met.
  const add = (aim, value, target, ok) =>
    aims.push({
      aim,
      figure: value,
      target,
      met: Number.isFinite(value) ? ok(Number(value.toFixed(2))) : null,
    });
  for (const sc of ["c50", "c256"]) {
    const t = get("http", "t", sc, "cpuUsPerReq");
    add(
      `@t/httpserver ${sc}: CPU per request ÷ nginx's`,
      ratio(t, get("http", "nginx", sc, "cpuUsPerReq")),
      "≤ 1.00",
      (v) => v <= 1,
    );
    add(
      `@t/httpserver ${sc}: CPU per request ÷ uWS's`,
      ratio(t, get("http", "uws", sc, "cpuUsPerReq")),
      "printed",
      () => true,
    );
    add(
      `@t/web ${sc}: CPU per request ÷ @t/httpserver's`,
      ratio(get("http", "t-web", sc, "cpuUsPerReq"), t),
      "≤ 1.10",
      (v) => v <= 1.1,
    );
  }
  add(
    "HTTPS c50: @t/httpserver CPU per request ÷ node:https's",
    ratio(
      get("https", "t", "tls-c50", "cpuUsPerReq"),
      get("https", "node", "tls-c50", "cpuUsPerReq"),
    ),
    "≤ 1.00",
    (v) => v <= 1,
  );
  for (const sc of ["ws32", "ws64k"]) {
    const t = get("ws", "t", sc, "msgPerCpuS");
    add(
      `WebSocket ${sc}: @t/websocket messages per CPU-s ÷ ws's`,
      ratio(t, get("ws", "ws", sc, "msgPerCpuS")),
      "≥ 1.30",
      (v) => v >= 1.3,
    );
    add(
      `WebSocket ${sc}: @t/websocket messages per CPU-s ÷ uWS's`,
      ratio(t, get("ws", "uws", sc, "msgPerCpuS")),
      "printed",
      () => true,
    );
  }
  add(
    "pipelined p16: @t/httpserver req/s ÷ node:http's",
    ratio(get("http", "t", "p16", "rps"), get("http", "node", "p16", "rps")),
    "≥ 8.00",
    (v) => v >= 8,
  );
  const idle = rowOf(sections.find((s) => s.id === "http") ?? { rows: [] }, "t")?.idleBytes;
  add(
    "@t/httpserver idle KiB per keep-alive connection",
    (idle ?? Number.NaN) / 1024,
    "≤ 1.50",
    (v) => v <= 1.5,
  );
  return aims;
}

/** The aims as plain text lines for the console. */
export function renderAimsText(aims) {
  return aims.map(
    (a) =>
      `${a.aim.padEnd(62)} ${fmt(a.figure, 2).padStart(7)}  ${a.target.padEnd(8)} ${a.met === null ? "not run" : a.target === "printed" ? "" : a.met ? "met" : "MISSED"}`,
  );
}

/** Markdown: per section and scenario a table with ratios, then idle memory and the aims. */
export function renderMarkdown(sections, aims, meta) {
  const lines = [
    "# Benchmarks",
    "",
    `Generated by \`pnpm bench\` (tools/bench) on ${meta.date}: node ${meta.node}, ${meta.cpu},`,
    `load pinned to core ${meta.loadCore}, server pinned to core ${meta.serverCore}; ${meta.durationS} s per scenario after a`,
    `1 s warm-up, median of ${meta.runs} run(s), servers interleaved within each run. HTTP load by ${meta.tool},`,
    "WebSocket load by raw clients in one process (frames masked once in advance, the echoes of one",
    "read answered with one write). CPU µs is the server's user+system CPU over",
    "the measured window (from /proc) divided by the responses or echoed messages: it is the",
    "figure a single-threaded load generator cannot cap. `CPU ×nginx` / `CPU ×uWS` divide a row's",
    "CPU per request by nginx's / uWebSockets.js's (below 1.00 = cheaper); the WebSocket `×` columns",
    "divide messages per CPU-second (above 1.00 = cheaper). wrk reports no per-request latency for",
    "pipelined requests (p99 –).",
    "",
    "![throughput and CPU per request by server and scenario](benchmarks.svg)",
    "",
  ];
  for (const section of sections) {
    lines.push(`## ${section.title}`, "", section.description, "");
    for (const sc of section.scenarios) lines.push(...scenarioTable(section, sc));
    const idleRows = section.rows.filter((r) => r.idleBytes !== undefined);
    if (idleRows.length > 0) {
      lines.push(
        `**Idle memory**: RSS growth of the server per keep-alive connection, ${meta.idleConns} connections each served once, then idle.`,
        "",
        "| server | KiB per idle connection |",
        "| --- | ---: |",
        ...idleRows.map((r) => `| ${r.name} | ${fmt(r.idleBytes / 1024, 2)} |`),
        "",
      );
    }
  }
  lines.push(
    "## Aims (issue 20)",
    "",
    "| aim | figure | target | |",
    "| --- | ---: | --- | --- |",
    ...aims.map(
      (a) =>
        `| ${a.aim} | ${fmt(a.figure, 2)} | ${a.target} | ${a.met === null ? "not run" : a.target === "printed" ? "" : a.met ? "met" : "missed"} |`,
    ),
    "",
  );
  return lines.join("\n");
}

const colors = {
  t: "#2b6cb0",
  "t-web": "#38a169",
  node: "#d69e2e",
  ws: "#d69e2e",
  fastify: "#e53e3e",
  tornado: "#805ad5",
  "tornado-web": "#b794f4",
  nginx: "#319795",
  uws: "#718096",
};
const esc = (s) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;");

/**
 * SVG: per section and scenario, throughput bars (left) beside CPU-per-request bars (right,
 * lower is better, annotated with the ratio to nginx's and uWS's). The CPU scale stops at 4×
 * the median so that one slow server does not flatten the rest; longer bars end in a ▸.
 */
export function renderSvg(sections, meta) {
  const barH = 14;
  const gap = 4;
  const groupGap = 44;
  const left = 180;
  const panelW = 300;
  const rightX = left + panelW + 90;
  const width = rightX + panelW + 250;
  let y = 84;
  const parts = [];
  const finite = (xs) => xs.filter(Number.isFinite);
  const medianOf = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const section of sections) {
    const { rate, rateUnit, cpu, cpuUnit } = measures(section);
    const anchors = section.anchors.filter((a) => rowOf(section, a.id));
    for (const sc of section.scenarios) {
      const rates = finite(section.rows.map((r) => r[sc.id][rate]));
      const cpus = finite(section.rows.map((r) => r[sc.id][cpu]));
      const maxRate = Math.max(...rates, 1);
      const maxCpu = cpus.length ? Math.min(Math.max(...cpus), 4 * medianOf(cpus)) : 1;
      parts.push(
        `<text x="10" y="${y - 22}" font-weight="bold">${esc(section.title)}: ${esc(sc.label)}</text>`,
        `<text x="${left}" y="${y - 6}" fill="#555">${rateUnit} (higher is better)</text>`,
        `<text x="${rightX}" y="${y - 6}" fill="#555">server ${cpuUnit} (lower is better)</text>`,
      );
      for (const r of section.rows) {
        const m = r[sc.id];
        const color = colors[r.id] ?? "#4a5568";
        const wRate = Number.isFinite(m[rate]) ? (panelW * m[rate]) / maxRate : 0;
        const clipped = m[cpu] > maxCpu;
        const wCpu = Number.isFinite(m[cpu]) ? (panelW * Math.min(m[cpu], maxCpu)) / maxCpu : 0;
        const notes = anchors
          .filter((a) => a.id !== r.id)
          .map((a) => `${fmt(ratio(m[cpu], rowOf(section, a.id)[sc.id][cpu]), 2)}× ${a.label}`);
        const cpuText = `${clipped ? "▸ " : ""}${fmt(m[cpu], 2)}${notes.length ? ` (${notes.join(", ")})` : ""}`;
        parts.push(
          `<text x="${left - 8}" y="${y + barH - 3}" text-anchor="end">${esc(r.name)}</text>`,
          `<rect x="${left}" y="${y}" width="${wRate.toFixed(1)}" height="${barH}" fill="${color}"/>`,
          `<text x="${(left + wRate + 6).toFixed(1)}" y="${y + barH - 3}">${fmt(m[rate])}</text>`,
          `<rect x="${rightX}" y="${y}" width="${wCpu.toFixed(1)}" height="${barH}" fill="${color}"/>`,
          `<text x="${(rightX + wCpu + 6).toFixed(1)}" y="${y + barH - 3}">${cpuText}</text>`,
        );
        y += barH + gap;
      }
      y += groupGap;
    }
  }
  const height = y - groupGap + 20;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    "<title>Throughput and server CPU per request by server and scenario</title>",
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Throughput and server CPU per request or message — node ${meta.node}, ${esc(meta.cpu)}, ${meta.date}</text>`,
    `<text x="10" y="36" fill="#555">CPU ratios: the row's CPU per request (or message) ÷ nginx's / uWebSockets.js's in the same scenario; below 1 is cheaper.</text>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}

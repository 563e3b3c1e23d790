// Where a perf sample falls: kernel, JIT-compiled JavaScript, V8/node, OpenSSL, libc, our addon,
// uWS, nginx, other, or perf itself — by shared object, inside the node binary by symbol.

import { execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import path from "node:path";

/** The classes in table order, with the label printed for each. */
export const classes = [
  ["kernel", "kernel"],
  ["js", "JIT-compiled JavaScript"],
  ["v8", "V8 / node (C++, builtins, interpreter)"],
  ["openssl", "OpenSSL (inside the node binary)"],
  ["libc", "libc"],
  ["addon", "`poller_native.node` (our addon)"],
  ["uws", "uWS addon (`uws_*.node`)"],
  ["nginx", "nginx binary"],
  ["other", "other (libstdc++, vdso, ld.so, …)"],
  ["perf", "perf itself (sampling, syscall counting: kernel `perf_*`)"],
];

/** Symbols that name OpenSSL unmistakably; they locate its stretch of node's .text. */
const opensslAnchor = /^(ossl_|OSSL_|EVP_|SSL_|X509_|ASN1_|BIO_|OPENSSL_|CRYPTO_|ERR_)/;

/**
 * The names of the OpenSSL functions statically linked into the node binary. Rule: in node's
 * text symbols sorted by address (`nm -n`), OpenSSL is one contiguous stretch: from the first
 * symbol after V8's embedded builtins (`Builtins_*`) that precede the first anchor symbol
 * (ossl_*, EVP_*, SSL_*, X509_*, …) to the last symbol before the first C++ symbol after the
 * last anchor (this takes in its static functions and its assembly: aesni_*, gcm_*, sha*_block*,
 * poly1305_*, …). Names that also occur outside the stretch are left out (ambiguous); a
 * `.cold` / `.part.N` clone counts with its function.
 */
export function opensslNames(nodeBinary) {
  let lines;
  try {
    lines = execFileSync("nm", ["--defined-only", "-n", nodeBinary], {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    }).split("\n");
  } catch {
    return new Set();
  }
  const names = [];
  for (const l of lines) {
    const f = l.split(" ");
    if (f.length === 3 && /^[tTwW]$/.test(f[1])) names.push(f[2]);
  }
  const isAnchor = (n) => opensslAnchor.test(n) && !n.includes(".cold");
  let first = names.findIndex(isAnchor);
  let last = names.findLastIndex(isAnchor);
  if (first < 0) return new Set();
  while (first > 0 && !names[first - 1].startsWith("Builtins_")) first--;
  while (last + 1 < names.length && !names[last + 1].startsWith("_Z")) last++;
  const inside = new Set(names.slice(first, last + 1).map(baseName));
  for (let i = 0; i < names.length; i++) {
    // .cold clones live apart from their functions (in .text.unlikely): they do not count.
    if ((i < first || i > last) && !names[i].includes(".cold")) inside.delete(baseName(names[i]));
  }
  return inside;
}

/** "SSL_free.part.0" → "SSL_free", "foo.cold" → "foo". */
const baseName = (sym) => sym.replace(/\.(cold|part\.\d+|isra\.\d+|constprop\.\d+)(\.\d+)?/g, "");

/** A classifier `(dso, sym) → class id` for samples of processes run by `nodeBinary`. */
export function makeClassifier(nodeBinary) {
  const node = realpathSync(nodeBinary);
  const ssl = opensslNames(node);
  return (dso, sym) => {
    if (dso.startsWith("[kernel") || dso.startsWith("[guest.kernel")) {
      return /^(perf_|__perf_)/.test(sym) ? "perf" : "kernel";
    }
    if (/\/perf-\d+\.map$/.test(dso) || dso.startsWith("[JIT]")) return "js";
    if (dso === node || dso === nodeBinary) return ssl.has(baseName(sym)) ? "openssl" : "v8";
    const base = path.basename(dso);
    if (/^libc[.-]/.test(base)) return "libc";
    if (/^lib(ssl|crypto)\.so/.test(base)) return "openssl";
    if (base === "poller_native.node") return "addon";
    if (/^uws_.*\.node$/.test(base)) return "uws";
    if (base === "nginx") return "nginx";
    return "other";
  };
}

/**
 * A JIT symbol made short: "JS:*parse file:///a/b/conn.js:12:3" → "parse (conn.js)"; the line
 * is kept for anonymous functions only, so that a function's tiers (and a rebuild that moves it)
 * count together.
 */
export function shortJsName(sym) {
  const m = sym.match(/^JS:[*~^+]?(\S*)\s+(\S+?):(\d+):\d+$/);
  if (!m) return sym.replace(/^JS:[*~^+]?/, "");
  const file = path.basename(m[2]);
  return m[1] && m[1] !== "(anonymous)" ? `${m[1]} (${file})` : `(anonymous) (${file}:${m[3]})`;
}

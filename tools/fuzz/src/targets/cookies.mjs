// Target: Cookie header parsing (@t/httpserver cookies.ts) and cookie values of @t/web (cookies/*).

import { parseCookie } from "@t/httpserver";
import { createSignedValue, decodeSignedValue, formatSetCookie, quoteCookieValue } from "@t/web";
import { check, checkEqual, expectDocumented } from "../oracle.mjs";

const SECRET = "fuzz-secret";
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is checked
const CONTROL_OR_SPACE = /[\x00-\x20]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is checked
const CONTROL = /[\x00-\x1f\x7f]/;
const NOW = 1_800_000_000;
const clock = () => NOW;

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Header characters (one per byte) that are valid UTF-8, decoded; anything else as it is. */
function referenceBytes(text) {
  if (!/[\x80-\xff]/.test(text)) return text;
  try {
    return UTF8.decode(Buffer.from(text, "latin1"));
  } catch {
    return text;
  }
}

/**
 * Python's `http.cookies._unquote` (escapes are code points), written as one regular expression;
 * raw bytes >= 0x80 are UTF-8 where valid — per run between escapes inside quotes, for the
 * whole value without quotes.
 */
function referenceUnquote(value) {
  if (value.length < 2 || value[0] !== '"' || value[value.length - 1] !== '"') {
    return referenceBytes(value);
  }
  return value
    .slice(1, -1)
    .replace(/\\(?:([0-3][0-7][0-7])|([\s\S]))|([\x80-\xff]+)/g, (_, oct, ch, raw) =>
      raw !== undefined
        ? referenceBytes(raw)
        : oct !== undefined
          ? String.fromCharCode(Number.parseInt(oct, 8))
          : ch,
    );
}

function parseHeader(header) {
  const out = parseCookie(header);
  check(Object.getPrototypeOf(out) === null, "parseCookie result has a prototype");
  const chunks = header.split(";");
  check(Object.keys(out).length <= chunks.length, "more cookies than ;-separated chunks");
  for (const k of Object.keys(out)) {
    check(
      k === k.trim() && !k.includes(";") && !k.includes("="),
      () => `bad cookie name ${JSON.stringify(k)}`,
    );
    check(typeof out[k] === "string", "cookie value is not a string");
  }
  // Reference: split on ";", later duplicates win, Python's unquoting.
  const ref = Object.create(null);
  for (const chunk of chunks) {
    const eq = chunk.indexOf("=");
    const key = eq === -1 ? "" : chunk.slice(0, eq).trim();
    const val = (eq === -1 ? chunk : chunk.slice(eq + 1)).trim();
    if (key !== "" || val !== "") ref[key] = referenceUnquote(val);
  }
  checkEqual({ ...out }, { ...ref }, "parsed cookies (parser vs reference)");
  return out;
}

function quoteRoundTrip(value) {
  const q = quoteCookieValue(value);
  // Latin1 header text (one character per byte); raw bytes above 0x7f only as UTF-8 of
  // characters above U+00FF, so no control character and no raw ; or , inside the quotes.
  check(
    /^[\x20-\x7e\x80-\xff]*$/.test(q) && !/[;,]/.test(q.slice(1, -1).replace(/\\[0-7]{3}/g, "")),
    () => `quoted value ${JSON.stringify(q)} is not cookie-safe`,
  );
  const back = parseHeader(`a=${q}; b=x`);
  // Python's unquoting of the header bytes read as UTF-8 gives the value back exactly.
  checkEqual(
    referenceUnquote(Buffer.from(q, "latin1").toString("utf8")),
    value,
    "quoted cookie value round trip",
  );
  // Through our parser every value comes back unchanged (é as \351, ☃ as its UTF-8 bytes).
  checkEqual(back.a, value, "cookie value round trip");
  checkEqual(back.b, "x", "the cookie after a quoted value");
  let line = null;
  try {
    line = formatSetCookie("n", value, { path: "/p", sameSite: "Lax" });
  } catch (err) {
    expectDocumented(
      err,
      (e) => e instanceof TypeError && CONTROL_OR_SPACE.test(value),
      "formatSetCookie",
    );
  }
  if (line !== null)
    check(
      !CONTROL.test(line),
      () => `Set-Cookie line with a control character: ${JSON.stringify(line)}`,
    );
}

function signedValue(text) {
  let out;
  try {
    out = decodeSignedValue(SECRET, "n", text, { clock });
  } catch (err) {
    expectDocumented(err, () => false, "decodeSignedValue");
  }
  check(
    out === null || Buffer.isBuffer(out),
    "decodeSignedValue returned neither null nor a Buffer",
  );
  if (out === null) return;
  // Only a value the signer itself would produce may verify: sign the result again.
  const ts = /^2\|1:0\|[0-9]+:([0-9]+)\|/.exec(text);
  check(
    ts !== null,
    () => `a signed value without a plain timestamp verified: ${JSON.stringify(text)}`,
  );
  const again = createSignedValue(SECRET, "n", out, { clock: () => Number(ts[1]) });
  checkEqual(text, again, "a verified signed value equals the signer's output");
}

/**
 * The first byte picks what the rest is: 0 a Cookie header (latin1), 1 a cookie value to quote
 * and read back (UTF-8), 2 a signed cookie value to verify (latin1).
 */
function run(input) {
  const rest = input.subarray(1);
  const mode = input.length === 0 ? 0 : input[0] % 3;
  if (mode === 0) parseHeader(rest.toString("latin1"));
  else if (mode === 1) quoteRoundTrip(rest.toString("utf8"));
  else signedValue(rest.toString("latin1"));
}

const ALPHABET = [
  "a",
  "Z",
  "0",
  " ",
  "\t",
  ";",
  "=",
  '"',
  "\\",
  ",",
  "\\073",
  "é",
  "€",
  "\x7f",
  "\x00",
  "\r",
];

function generate(rng) {
  const mode = rng.below(3);
  let s = "";
  const n = rng.below(24);
  for (let i = 0; i < n; i++) s += rng.pick(ALPHABET);
  if (mode === 0) {
    const v = quoteCookieValue(s);
    const header = `sid=${v}; theme=dark;  flag ; x="a\\"b\\012c"; ${rng.pick(["", "=", "k="])}`;
    return Buffer.concat([Buffer.from([0]), Buffer.from(header, "latin1")]);
  }
  if (mode === 1) return Buffer.concat([Buffer.from([1]), Buffer.from(s, "utf8")]);
  const signed = createSignedValue(SECRET, "n", Buffer.from(s, "utf8"), { clock });
  return Buffer.concat([Buffer.from([2]), Buffer.from(signed, "latin1")]);
}

/** A signed value decodes back to its bytes; the same value under another name does not. */
function roundTrip(rng) {
  const value = Buffer.alloc(rng.below(64));
  for (let i = 0; i < value.length; i++) value[i] = rng.below(256);
  const signed = createSignedValue(SECRET, "n", value, { clock });
  checkEqual(decodeSignedValue(SECRET, "n", signed, { clock }), value, "signed value round trip");
  checkEqual(
    decodeSignedValue(SECRET, "m", signed, { clock }),
    null,
    "signed value under another name",
  );
  checkEqual(
    decodeSignedValue(`${SECRET}x`, "n", signed, { clock }),
    null,
    "signed value under another secret",
  );
}

/** @type {import("../target.mjs").Target} */
export default {
  name: "cookies",
  description: "Cookie headers, quoted values and signed values (mode in the first byte)",
  coverage: ["/packages/httpserver/dist/cookies.js", "/packages/web/dist/cookies/"],
  maxLength: 2048,
  dictionary: [";", "=", '"', "\\", "\\012", "\\377", "2|1:0|", "|", ":", " "].map((s) =>
    Buffer.from(s, "latin1"),
  ),
  generate,
  run,
  roundTrip,
};

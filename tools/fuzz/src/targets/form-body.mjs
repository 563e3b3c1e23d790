// Target: urlencoded and multipart/form-data bodies of @t/httpserver (body-arguments.ts).

import { HTTPInputError } from "@t/httpserver";
import * as forms from "../../../../packages/httpserver/dist/body-arguments.js";
import { check, checkEqual, expectDocumented, FuzzFinding } from "../oracle.mjs";

/** Small limits, so that every 413 path is reachable with short inputs. */
const LIMITS = Object.freeze({ maxArguments: 6, maxMultipartParts: 8, maxPartHeaderSize: 256 });
const STATUSES = new Set([400, 413]);

function isDocumented(err) {
  return (
    err instanceof HTTPInputError && err.code === "T_ERR_HTTP_INPUT" && STATUSES.has(err.statusCode)
  );
}

/** Split an input into the Content-Type (its first line) and the body (the rest). */
export function splitFormInput(input) {
  const nl = input.indexOf(0x0a);
  if (nl === -1) return [input.toString("latin1"), Buffer.alloc(0)];
  return [input.subarray(0, nl).toString("latin1"), input.subarray(nl + 1)];
}

/** Parse like a request would; returns `{ args, files, status }` (`status` 0 when accepted). */
export function parseForm(contentType, body) {
  const args = forms.emptyArguments();
  const files = Object.create(null);
  try {
    forms.parseBodyArguments(contentType, body, args, files, undefined, LIMITS);
  } catch (err) {
    expectDocumented(err, isDocumented, "form body parsing");
    return { args, files, status: err.statusCode };
  }
  return { args, files, status: 0 };
}

function countValues(map) {
  let n = 0;
  for (const k of Object.keys(map)) n += map[k].length;
  return n;
}

/**
 * The WHATWG application/x-www-form-urlencoded parser, written out: split on "&", the first "="
 * splits name and value, "+" is a space, and a "%" followed by two hex digits is a byte of the
 * UTF-8 text; everything else is kept as it is (Node's own URLSearchParams and querystring
 * both turn a raw non-ASCII character into U+FFFD when a stray "%" is in the same component).
 */
export function referenceUrlencoded(body) {
  const out = Object.create(null);
  const text = body.toString("utf8");
  const decode = (s) => {
    const bytes = Buffer.from(s.replace(/\+/g, " "), "utf8");
    const res = [];
    for (let i = 0; i < bytes.length; i++) {
      const hex = bytes.subarray(i + 1, i + 3).toString("latin1");
      if (bytes[i] === 0x25 && /^[0-9A-Fa-f]{2}$/.test(hex)) {
        res.push(Number.parseInt(hex, 16));
        i += 2;
      } else res.push(bytes[i]);
    }
    return Buffer.from(res).toString("utf8");
  };
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const k = decode(eq === -1 ? pair : pair.slice(0, eq));
    const v = eq === -1 ? "" : decode(pair.slice(eq + 1));
    if (out[k] === undefined) out[k] = [v];
    else out[k].push(v);
  }
  return out;
}

function run(input) {
  const [contentType, body] = splitFormInput(input);
  const { args, files, status } = parseForm(contentType, body);
  if (status !== 0) return;
  check(Object.getPrototypeOf(args) === null, "arguments object has a prototype");
  check(Object.getPrototypeOf(files) === null, "files object has a prototype");
  check({}.polluted === undefined, "Object.prototype was polluted");
  for (const k of Object.keys(args)) {
    check(Array.isArray(args[k]) && args[k].length > 0, `argument ${k} is not a non-empty list`);
    for (const v of args[k]) check(typeof v === "string", `argument ${k} has a non-string value`);
  }
  for (const k of Object.keys(files)) {
    for (const f of files[k]) {
      check(Buffer.isBuffer(f.body), `file ${k} has no Buffer body`);
      check(typeof f.filename === "string" && f.filename !== "", `file ${k} has no filename`);
      check(typeof f.contentType === "string", `file ${k} has no content type`);
    }
  }
  const count = countValues(args) + countValues(files);
  check(
    count <= LIMITS.maxArguments,
    () => `${count} arguments accepted with maxArguments ${LIMITS.maxArguments}`,
  );
  const kind = forms.parseHeaderParams(contentType)[0];
  if (kind === "application/x-www-form-urlencoded") {
    checkEqual(
      { ...args },
      { ...referenceUrlencoded(body) },
      "urlencoded arguments (parser vs reference)",
    );
  } else if (kind === "multipart/form-data") {
    check(count <= LIMITS.maxMultipartParts, () => `${count} parts accepted`);
  }
}

function pushTo(map, key, value) {
  if (map[key] === undefined) map[key] = [value];
  else map[key].push(value);
}

const NAME_CHARS = "abcXYZ019_-.[] é€";

function randomText(rng, max, alphabet) {
  let s = "";
  const n = rng.below(max);
  for (let i = 0; i < n; i++) s += alphabet[rng.below(alphabet.length)];
  return s;
}

/**
 * A random valid form: its Content-Type line plus body as one input, and the arguments and
 * files the parser must return for it.
 */
export function generateForm(rng) {
  const fields = [];
  const n = rng.below(LIMITS.maxArguments + 1);
  for (let i = 0; i < n; i++) {
    fields.push([
      randomText(rng, 6, NAME_CHARS) || "n",
      randomText(rng, 12, 'ab =&+%;"\r\n\x00é€'),
    ]);
  }
  const args = Object.create(null);
  const files = Object.create(null);
  let contentType;
  let body;
  if (rng.chance(0.4)) {
    contentType = rng.pick([
      "application/x-www-form-urlencoded",
      "Application/X-WWW-Form-Urlencoded; charset=utf-8",
    ]);
    body = fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
    for (const [k, v] of fields) pushTo(args, k, v);
    body = Buffer.from(body, "latin1");
  } else {
    const boundary = rng.pick([
      "XyZ",
      "----WebKitFormBoundary7MA4YWxkTrZu0gW",
      "a'b(c)d+e_f,g-h.i/j:k=l?m",
    ]);
    contentType = `multipart/form-data; boundary=${rng.chance(0.5) ? `"${boundary}"` : boundary}`;
    const parts = [];
    for (const [k, v] of fields.slice(0, LIMITS.maxMultipartParts)) {
      const asFile = rng.chance(0.3);
      const name = k.replace(/"/g, "");
      if (name === "") continue;
      let head = `Content-Disposition: form-data; name="${name}"`;
      const value = Buffer.from(v, "utf8");
      if (asFile) {
        const filename = `${name || "f"}.txt`;
        head += `; filename="${filename}"\r\nContent-Type: text/plain`;
        pushTo(files, name, { filename, body: value, contentType: "text/plain" });
      } else {
        pushTo(args, name, v);
      }
      parts.push(
        Buffer.concat([
          Buffer.from(`--${boundary}\r\n${head}\r\n\r\n`, "utf8"),
          value,
          Buffer.from("\r\n"),
        ]),
      );
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`, "latin1"));
    body = Buffer.concat(parts);
  }
  return {
    bytes: Buffer.concat([Buffer.from(`${contentType}\n`, "latin1"), body]),
    args,
    files,
  };
}

/** A generated form parses back to exactly its fields and files. */
function roundTrip(rng) {
  const g = generateForm(rng);
  const [contentType, body] = splitFormInput(g.bytes);
  const out = parseForm(contentType, body);
  if (out.status !== 0) {
    throw new FuzzFinding(
      `valid form rejected with ${out.status}: ${JSON.stringify(g.bytes.toString("latin1"))}`,
    );
  }
  checkEqual({ ...out.args }, { ...g.args }, "round-tripped arguments");
  const plain = (m) =>
    Object.fromEntries(
      Object.entries(m).map(([k, l]) => [k, l.map((f) => ({ ...f, body: Buffer.from(f.body) }))]),
    );
  checkEqual(plain(out.files), plain(g.files), "round-tripped files");
}

/** @type {import("../target.mjs").Target} */
export default {
  name: "form-body",
  description: "urlencoded and multipart bodies (first line: Content-Type), limits and references",
  coverage: [
    "/packages/httpserver/dist/body-arguments.js",
    "/packages/httpserver/dist/http-headers.js",
  ],
  maxLength: 8192,
  dictionary: [
    "\r\n",
    "\r\n\r\n",
    "--XyZ\r\n",
    "--XyZ--",
    "Content-Disposition: form-data; ",
    'name="a"',
    'filename="f.txt"',
    "name*=utf-8''%C3%A9",
    "Content-Type: ",
    "; ",
    '"',
    "\\",
    "=",
    "&",
    "%",
    "%zz",
    "%e2%82",
    "+",
    "boundary=",
    "__proto__",
  ].map((s) => Buffer.from(s, "latin1")),
  generate: (rng) => generateForm(rng).bytes,
  run,
  roundTrip,
};

// Escaping and unescaping for HTML, URLs and JSON (Tornado's tornado.escape).

const XHTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const XHTML_RE = /[&<>"']/g;

/** Escape `& < > " '` so that `value` is safe in HTML text and quoted attributes. */
export function xhtmlEscape(value: unknown): string {
  const s = typeof value === "string" ? value : String(value ?? "");
  return XHTML_RE.test(s) ? s.replace(XHTML_RE, (c) => XHTML_ESCAPES[c]) : s;
}

/** Null prototype: `&constructor;` or `&__proto__;` must not find inherited properties. */
const NAMED_ENTITIES: Record<string, string> = Object.assign(Object.create(null), {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
});
const DECIMAL = /^[0-9]+$/;
const HEXADECIMAL = /^[0-9a-fA-F]+$/;

/** Undo `xhtmlEscape`: named entities `&amp; &lt; &gt; &quot; &apos; &nbsp;` and numeric `&#NN;` / `&#xHH;`. */
export function xhtmlUnescape(value: string): string {
  return value.replace(/&(#?)([xX]?)(\w+);/g, (whole, hash: string, hex: string, body: string) => {
    if (hash === "#") {
      if (!(hex ? HEXADECIMAL : DECIMAL).test(body)) return whole;
      const code = Number.parseInt(body, hex ? 16 : 10);
      if (code > 0x10ffff) return whole;
      return String.fromCodePoint(code);
    }
    if (hex) return whole; // "&xamp;" is no entity
    return NAMED_ENTITIES[body] ?? whole;
  });
}

const HEX = "0123456789ABCDEF";

function isUnreserved(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x7e
  );
}

/**
 * Percent-encode `value` (UTF-8) for a URL. With `plus` (default) spaces become `+` and `/` is
 * escaped, as for a query value (Python's `quote_plus`); without it spaces become `%20` and `/`
 * is kept, as for a path (Python's `quote`).
 */
export function urlEscape(value: string | Buffer, plus = true): string {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (isUnreserved(c) || (!plus && c === 0x2f)) out += String.fromCharCode(c);
    else if (plus && c === 0x20) out += "+";
    else out += `%${HEX[c >> 4]}${HEX[c & 15]}`;
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Decode `%XX` escapes into bytes (with `plus`, `+` is a space); malformed escapes stay as they are. */
export function urlUnescapeToBuffer(value: string, plus = true): Buffer {
  const src = Buffer.from(value, "utf8");
  const out = Buffer.allocUnsafe(src.length);
  let w = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1]);
      const lo = hexValue(src[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[w++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[w++] = plus && c === 0x2b ? 0x20 : c;
  }
  return out.subarray(0, w);
}

/**
 * Decode a percent-encoded string as UTF-8 (invalid sequences become U+FFFD, malformed escapes are
 * kept). With `plus` (default) `+` is a space, as in a query string; pass `false` for paths.
 */
export function urlUnescape(value: string, plus = true): string {
  if (value.indexOf("%") === -1 && (!plus || value.indexOf("+") === -1)) return value;
  return urlUnescapeToBuffer(value, plus).toString("utf8");
}

/**
 * `JSON.stringify(value)` made safe to embed in a `<script>` block: `</` becomes `<\/`
 * (Tornado's `json_encode`).
 */
export function jsonEncode(value: unknown): string {
  const s = JSON.stringify(value);
  if (s === undefined) throw new TypeError("jsonEncode expects a JSON-serializable value");
  return s.indexOf("</") === -1 ? s : s.replace(/<\//g, "<\\/");
}

/** `JSON.parse` of a string or UTF-8 Buffer (Tornado's `json_decode`). */
export function jsonDecode(value: string | Buffer): unknown {
  return JSON.parse(typeof value === "string" ? value : value.toString("utf8"));
}

/** Runs of ASCII control characters and spaces (`\x00`–`\x20`). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: squeeze folds exactly these
const SQUEEZE_RE = /[\x00-\x20]+/g;

/** Replace every run of whitespace (and other ASCII controls) with one space, and trim (Tornado's `squeeze`). */
export function squeeze(value: string): string {
  return value.replace(SQUEEZE_RE, " ").trim();
}

/** Options of {@link linkify}. */
export interface LinkifyOptions {
  /** Shorten long link texts (to about 30 characters, full URL in `title`). Default false. */
  shorten?: boolean;
  /**
   * Extra attributes for each `<a>` (`'rel="nofollow"'`), or a function of the link's href
   * returning them. Not escaped: pass trusted markup. Default none.
   */
  extraParams?: string | ((href: string) => string);
  /** Link only URLs with a protocol (not bare `www.` names). Default false. */
  requireProtocol?: boolean;
  /** Protocols that are linked; other URLs stay text. Default `["http", "https"]`. */
  permittedProtocols?: readonly string[];
}

// Tornado's _URL_RE: a protocol (or "www."), then runs of URL characters or balanced
// parentheses, not ending in punctuation; the text is escaped first, so `&amp;` and `&quot;` are
// the only entities inside a URL. Python's Unicode `\b` and `\w` are spelled out with \p{…}.
const W = String.raw`[\p{L}\p{N}_]`;
const URL_RE = new RegExp(
  String.raw`(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))((?:((?:${W}|-)+):(\/{1,3})|www[.])(?:(?:(?:[^\s&()]|&amp;|&quot;)*(?:[^!"#$%&'()*+,.:;<=>?@\[\]^${"`"}{|}~\s]))|(?:\((?:[^\s&()]|&amp;|&quot;)*\)))+)`,
  "gu",
);
const LINK_MAX_LEN = 30;

/**
 * HTML-escape `text` and turn the URLs in it into links (Tornado's `linkify`): `http://…`,
 * `https://…` and bare `www.…` names (linked as `http://`), not trailing punctuation nor an
 * unbalanced parenthesis. The result is safe HTML.
 *
 * ```ts
 * linkify("see www.example.com!"); // 'see <a href="http://www.example.com">www.example.com</a>!'
 * ```
 */
export function linkify(text: string, options: LinkifyOptions = {}): string {
  if (typeof text !== "string") throw new TypeError("linkify expects a string");
  const shorten = options.shorten === true;
  const requireProtocol = options.requireProtocol === true;
  const permitted = options.permittedProtocols ?? ["http", "https"];
  const extra = options.extraParams;
  const fixedParams = typeof extra === "string" && extra !== "" ? ` ${extra.trim()}` : "";
  return xhtmlEscape(text).replace(
    URL_RE,
    (_m, whole: string, proto: string | undefined, slashes: string | undefined) => {
      let url = whole;
      if (requireProtocol && proto === undefined) return url;
      if (proto !== undefined && !permitted.includes(proto)) return url;
      const href = proto === undefined ? `http://${url}` : url;
      let params = typeof extra === "function" ? ` ${extra(href).trim()}` : fixedParams;
      if (shorten && url.length > LINK_MAX_LEN) {
        const before = url;
        const protoLen = proto === undefined ? 0 : proto.length + 1 + (slashes ?? "").length;
        const parts = url.slice(protoLen).split("/");
        if (parts.length > 1) {
          // The host and the start of the path: enough to hint at the link once shortened.
          url = `${url.slice(0, protoLen)}${parts[0]}/${parts[1].slice(0, 8).split("?")[0].split(".")[0]}`;
        }
        if (url.length > LINK_MAX_LEN * 1.5) url = url.slice(0, LINK_MAX_LEN);
        if (url !== before) {
          const amp = url.lastIndexOf("&");
          if (amp > LINK_MAX_LEN - 5) url = url.slice(0, amp); // never cut an entity in two
          url += "...";
          if (url.length >= before.length) url = before;
          else params += ` title="${href}"`;
        }
      }
      return `<a href="${href}"${params}>${url}</a>`;
    },
  );
}

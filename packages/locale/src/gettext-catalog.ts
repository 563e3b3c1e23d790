// A gettext catalog read from a .mo or .po file: msgid (+ msgctxt) → msgstr[], plural forms from its header.

import { type GetTextTranslations, mo, po } from "gettext-parser";
import type { Catalog } from "./catalog.js";
import { PluralFormsError, TranslationFileError } from "./errors.js";
import { DEFAULT_PLURAL_FORMS, type PluralForms, parsePluralForms } from "./plural-forms.js";

type Entries = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

/**
 * The translations of one gettext `.mo` or `.po` file, looked up as GNU gettext does: an entry
 * counts as translated only when the chosen `msgstr` is not empty; a plural entry's form is
 * `pluralForms.select(n)` with `n` the absolute integer part of the count; a context lookup
 * finds only entries with that `msgctxt` (no fallback to the entry without context).
 */
export class GettextCatalog implements Catalog {
  /**
   * @param entries - context (`""` for none) → msgid → msgstr forms.
   * @param pluralForms - the catalog's `Plural-Forms` rule.
   */
  constructor(
    private readonly entries: Entries,
    readonly pluralForms: PluralForms,
  ) {}

  /** {@inheritDoc Catalog.gettext} */
  gettext(message: string): string | undefined {
    return this.pgettext("", message);
  }

  /** {@inheritDoc Catalog.ngettext} */
  ngettext(message: string, pluralMessage: string, count: number): string | undefined {
    return this.npgettext("", message, pluralMessage, count);
  }

  /** {@inheritDoc Catalog.pgettext} */
  pgettext(context: string, message: string): string | undefined {
    const forms = this.entries.get(context)?.get(message);
    if (forms === undefined || forms[0] === "") return undefined;
    return forms[0];
  }

  /** {@inheritDoc Catalog.npgettext} */
  npgettext(
    context: string,
    message: string,
    _pluralMessage: string,
    count: number,
  ): string | undefined {
    const forms = this.entries.get(context)?.get(message);
    if (forms === undefined) return undefined;
    const index = this.pluralForms.select(Math.trunc(Math.abs(count)));
    if (index < 0 || index >= forms.length || forms[index] === "") return undefined;
    return forms[index];
  }
}

/**
 * Parses a compiled `.mo` file (`kind` `"mo"`, either byte order) or a `.po` source file
 * (`"po"`). Fuzzy entries of a `.po` file are left out, as `msgfmt` leaves them out of the `.mo`
 * it writes; of two entries with the same msgid and context the last one counts (check files
 * with `msgfmt -c`). Text without a declared charset is read as UTF-8.
 *
 * @throws TranslationFileError when the file does not parse.
 * @throws PluralFormsError when its `Plural-Forms` header is not one {@link parsePluralForms}
 *   accepts.
 */
export function parseGettextCatalog(
  bytes: Uint8Array,
  path: string,
  kind: "mo" | "po",
): GettextCatalog {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // mo.parse returns false (untyped) when the magic number is wrong.
  let table: GetTextTranslations | false;
  try {
    table =
      kind === "mo"
        ? (mo.parse(buffer, "utf-8") as GetTextTranslations | false)
        : po.parse(buffer, { defaultCharset: "utf-8" });
  } catch (err) {
    const line = (err as { lineNumber?: unknown }).lineNumber;
    throw new TranslationFileError(
      `${path}: not a valid .${kind} file: ${(err as Error).message}`,
      path,
      typeof line === "number" ? line : 0,
      { cause: err },
    );
  }
  if (table === false || typeof table !== "object" || table === null) {
    throw new TranslationFileError(
      `${path}: not a .mo file (it does not start with gettext's magic number 0x950412de)`,
      path,
    );
  }

  let pluralForms = DEFAULT_PLURAL_FORMS;
  const header = table.headers?.["Plural-Forms"];
  if (header !== undefined && header !== "") {
    try {
      pluralForms = parsePluralForms(header);
    } catch (err) {
      const e = err as PluralFormsError;
      throw new PluralFormsError(`${path}: ${e.message}`, e.header, path);
    }
  }

  const entries = new Map<string, Map<string, readonly string[]>>();
  for (const [context, messages] of Object.entries(table.translations)) {
    let byId: Map<string, readonly string[]> | undefined;
    for (const [msgid, entry] of Object.entries(messages)) {
      if (msgid === "" && context === "") continue; // the header entry
      const flags = entry.comments?.flag;
      if (typeof flags === "string" && /\bfuzzy\b/.test(flags)) continue;
      if (entry.msgstr.every((s) => s === "")) continue;
      if (byId === undefined) {
        byId = new Map();
        entries.set(context, byId);
      }
      byId.set(msgid, entry.msgstr);
    }
  }
  return new GettextCatalog(entries, pluralForms);
}

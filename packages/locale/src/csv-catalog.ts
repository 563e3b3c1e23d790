// Tornado's CSV translation format: "source","translation"[,"singular"|"plural"|"unknown"] rows.

import { parse } from "csv-parse/sync";
import type { Catalog } from "./catalog.js";
import { TranslationFileError } from "./errors.js";

/**
 * The translations of one `LOCALE.csv` file. Lookups follow Tornado's `CSVLocale`: a plain
 * message is looked up among rows without a plural indicator (or `unknown`); with a plural
 * message, `count === 1` looks the singular message up among `singular` rows and any other
 * count the plural message among `plural` rows. CSV files have no contexts: `pgettext` ignores
 * the context (Tornado logs a warning and does the same).
 */
export class CsvCatalog implements Catalog {
  /**
   * @param unknown - rows without a plural indicator (or `unknown`): source → translation.
   * @param singular - `singular` rows.
   * @param plural - `plural` rows.
   */
  constructor(
    private readonly unknown: ReadonlyMap<string, string>,
    private readonly singular: ReadonlyMap<string, string>,
    private readonly plural: ReadonlyMap<string, string>,
  ) {}

  /** {@inheritDoc Catalog.gettext} */
  gettext(message: string): string | undefined {
    return this.unknown.get(message);
  }

  /** {@inheritDoc Catalog.ngettext} */
  ngettext(message: string, pluralMessage: string, count: number): string | undefined {
    return count === 1 ? this.singular.get(message) : this.plural.get(pluralMessage);
  }

  /** {@inheritDoc Catalog.pgettext} */
  pgettext(_context: string, message: string): string | undefined {
    return this.gettext(message);
  }

  /** {@inheritDoc Catalog.npgettext} */
  npgettext(
    _context: string,
    message: string,
    pluralMessage: string,
    count: number,
  ): string | undefined {
    return this.ngettext(message, pluralMessage, count);
  }
}

/**
 * Decodes a translation file's bytes: with `encoding` as given, otherwise UTF-16 when the file
 * starts with a UTF-16 byte-order mark and UTF-8 (with or without a BOM) when not — Tornado's
 * rule, which suits the UTF-8-with-BOM and UTF-16 files spreadsheet programs write.
 */
export function decodeTranslationFile(bytes: Uint8Array, path: string, encoding?: string): string {
  let label = encoding;
  if (label === undefined) {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) label = "utf-16le";
    else if (bytes[0] === 0xfe && bytes[1] === 0xff) label = "utf-16be";
    else label = "utf-8";
  }
  try {
    return new TextDecoder(label, { fatal: true }).decode(bytes);
  } catch (err) {
    throw new TranslationFileError(
      `${path}: not valid ${label} text (pass loadTranslations the file's encoding)`,
      path,
      0,
      { cause: err },
    );
  }
}

/**
 * Parses the text of a Tornado CSV translation file (the "excel" dialect: comma-separated,
 * `"` quotes doubled inside quoted fields, no space after commas). Each cell is trimmed; rows
 * with fewer than two cells, or an empty translation, are skipped; the third cell, when present and not empty, must be
 * `singular`, `plural` or `unknown`.
 *
 * @throws TranslationFileError when the CSV does not parse or a plural indicator is unknown.
 */
export function parseCsvCatalog(text: string, path: string): CsvCatalog {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, {
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ["\r\n", "\n", "\r"],
      info: true,
    }) as unknown as typeof rows;
  } catch (err) {
    const line = (err as { lines?: unknown }).lines;
    throw new TranslationFileError(
      `${path}: not a CSV file of "source","translation"[,"singular"|"plural"] rows: ${(err as Error).message}`,
      path,
      typeof line === "number" ? line : 0,
      { cause: err },
    );
  }
  const unknown = new Map<string, string>();
  const singular = new Map<string, string>();
  const plural = new Map<string, string>();
  for (const { record, info } of rows) {
    if (record.length < 2) continue;
    const source = record[0].trim();
    const translation = record[1].trim();
    const indicator = record.length > 2 ? record[2].trim() || "unknown" : "unknown";
    // An empty translation means "not translated yet", as an empty msgstr does in gettext.
    if (translation === "" && isIndicator(indicator)) continue;
    if (indicator === "unknown") unknown.set(source, translation);
    else if (indicator === "singular") singular.set(source, translation);
    else if (indicator === "plural") plural.set(source, translation);
    else {
      throw new TranslationFileError(
        `${path}:${info.lines}: unknown plural indicator "${indicator}" (expected "singular", "plural", "unknown" or nothing)`,
        path,
        info.lines,
      );
    }
  }
  return new CsvCatalog(unknown, singular, plural);
}

function isIndicator(s: string): boolean {
  return s === "unknown" || s === "singular" || s === "plural";
}

// Python-style named placeholders (`%(name)s`, `%(count)d`, `%%`), as Tornado's translations use them.

const PLACEHOLDER = /%(?:\(([A-Za-z_][A-Za-z0-9_]*)\)([sdi])|%)/g;

/**
 * Fills Tornado's placeholders in a (translated) message, as Python's `message % values` does
 * for the forms translation files use: `%(name)s` is `String(values.name)`, `%(name)d` and
 * `%(name)i` the integer part of the number, `%%` a percent sign.
 *
 * A placeholder whose name is not in `values` is left as written, so that a translator's typo
 * shows on the page instead of failing the request; anything else after `%` is left alone too.
 *
 * @example
 * interpolate(locale.translate("%(name)s liked this"), { name: "Ana" })
 */
export function interpolate(message: string, values: Readonly<Record<string, unknown>>): string {
  if (typeof message !== "string") {
    throw new TypeError(`interpolate: expected a string message, got ${typeof message}`);
  }
  if (typeof values !== "object" || values === null) {
    throw new TypeError("interpolate: expected an object of values, e.g. { name: 'Ana' }");
  }
  if (!message.includes("%")) return message;
  return message.replace(PLACEHOLDER, (whole, name: string | undefined, conversion: string) => {
    if (name === undefined) return "%";
    if (!Object.hasOwn(values, name)) return whole;
    const value = values[name];
    if (conversion === "s") return String(value);
    const num = Number(value);
    return Number.isFinite(num) ? String(Math.trunc(num)) : String(value);
  });
}

// The median of the finite numbers of a list (NaN when there are none): the harness's summary.

/** Median of the finite values of `xs`; NaN for none; the mean of the middle two for an even count. */
export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

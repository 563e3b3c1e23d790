// What "below" means in a layer table: the packages reachable along its arrows, and the table's own faults.

/**
 * A fault in the layer table itself (a cycle, a line naming something that is not a package).
 * @typedef {{ rule: "layer-table", where: string, message: string }} TableFault
 */

/**
 * For each package of `table`, the set of packages below it (reachable along the arrows,
 * itself excluded), plus the table's faults: an arrow to a name without a line, and cycles.
 *
 * @param {Record<string, readonly string[]>} table package name → packages directly beneath it
 * @param {string} where the file the table lives in, for messages
 * @returns {{ below: Map<string, Set<string>>, faults: TableFault[] }}
 */
export function layersBelow(table, where) {
  /** @type {TableFault[]} */
  const faults = [];
  /** @type {Map<string, Set<string>>} */
  const below = new Map();
  const onPath = new Set();
  const visit = (name) => {
    const known = below.get(name);
    if (known !== undefined) return known;
    /** @type {Set<string>} */
    const reach = new Set();
    onPath.add(name);
    for (const lower of table[name] ?? []) {
      if (!Object.hasOwn(table, lower)) {
        faults.push({
          rule: "layer-table",
          where,
          message: `${name} stands on ${lower}, which has no line of its own in the table`,
        });
        reach.add(lower);
        continue;
      }
      if (onPath.has(lower)) {
        faults.push({
          rule: "layer-table",
          where,
          message: `the table has a cycle: ${name} stands on ${lower}, which stands on ${name}`,
        });
        continue;
      }
      reach.add(lower);
      for (const deeper of visit(lower)) reach.add(deeper);
    }
    onPath.delete(name);
    reach.delete(name);
    below.set(name, reach);
    return reach;
  };
  for (const name of Object.keys(table)) visit(name);
  return { below, faults };
}

// undocumented-exports.ts: lists the exports of entry files that carry no TSDoc comment.

import ts from "typescript";

/** An exported name whose declaration has no doc comment. */
export interface UndocumentedExport {
  /** The entry file that exports it. */
  readonly entry: string;
  /** The exported name. */
  readonly name: string;
  /** The file that declares it. */
  readonly declaredIn: string;
}

/**
 * Every symbol exported by each of `entries` (an `index.ts` that re-exports a package's public
 * API) whose declaration has an empty doc comment. Re-exports are followed to the declaration;
 * one type-checker program serves all entries.
 */
export function undocumentedExports(entries: readonly string[]): UndocumentedExport[] {
  const program = ts.createProgram(entries, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
  });
  const checker = program.getTypeChecker();
  const out: UndocumentedExport[] = [];
  for (const entry of entries) {
    const source = program.getSourceFile(entry);
    const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (moduleSymbol === undefined) throw new Error(`${entry} is not a module with exports`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const doc = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
      if (doc !== "") continue;
      const declaredIn = symbol.declarations?.[0]?.getSourceFile().fileName ?? entry;
      out.push({ entry, name: exported.name, declaredIn });
    }
  }
  return out;
}

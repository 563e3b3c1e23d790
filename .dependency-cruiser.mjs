// dependency-cruiser's configuration: the direction rule and no-circular, from tools/lint's layer table.
//
// `pnpm lint` runs these rules (and the package.json checks) through tools/lint/src/cli.mjs;
// `npx depcruise packages apps tools` uses this file directly, e.g. with `--output-type dot`.

import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { cruiserConfig } from "./tools/lint/src/cruiser-config.mjs";
import { LAYERS } from "./tools/lint/src/layers.mjs";
import { readWorkspace } from "./tools/lint/src/workspace.mjs";

const root = dirname(fileURLToPath(import.meta.url));

export default cruiserConfig({ root, workspace: readWorkspace(root), table: LAYERS });

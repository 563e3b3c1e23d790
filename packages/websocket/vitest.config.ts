// The workspace test settings, plus --expose-gc for the heap bounds in test/hardening.test.ts.

import { mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.ts";

export default mergeConfig(shared, { test: { execArgv: ["--expose-gc"] } });

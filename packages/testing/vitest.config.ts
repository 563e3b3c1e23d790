// The workspace test settings, plus the README's runnable example (examples/hello.test.mjs).

import { mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.ts";

export default mergeConfig(shared, {
  test: { include: ["test/**/*.test.ts", "examples/**/*.test.mjs"] },
});

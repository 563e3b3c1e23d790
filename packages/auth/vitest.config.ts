// Shared workspace test settings (see vitest.shared.ts at the repo root).
export { default } from "../../vitest.shared.ts";

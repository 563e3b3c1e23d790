// HTTPError and MissingArgumentError by their old module path; the classes live in errors.ts.

export { HTTPError, MissingArgumentError } from "./errors.js";

// The process-wide OptionParser and Tornado's module-level define / parseCommandLine / parseConfigFile.

import { OptionParser } from "./option-parser.js";

/**
 * The process-wide options (Tornado's `tornado.options.options`): modules `define` on it,
 * the program's entry point parses once.
 */
export const options: OptionParser = new OptionParser();

/** `options.define` (Tornado's `tornado.options.define`): define an option where it is used. */
export const define: OptionParser["define"] = options.define.bind(
  options,
) as OptionParser["define"];

/** `options.parseCommandLine` (Tornado's `parse_command_line`). */
export function parseCommandLine(...args: Parameters<OptionParser["parseCommandLine"]>): string[] {
  return options.parseCommandLine(...args);
}

/** `options.parseConfigFile` (Tornado's `parse_config_file`), for a JSON file. */
export function parseConfigFile(...args: Parameters<OptionParser["parseConfigFile"]>): void {
  options.parseConfigFile(...args);
}

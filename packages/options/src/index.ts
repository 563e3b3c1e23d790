// @t/options public API.

export {
  ERROR_CODES,
  OptionsConfigError,
  OptionsError,
  OptionsHelpRequested,
  OptionsParseError,
} from "./errors.js";
export { define, options, parseCommandLine, parseConfigFile } from "./global.js";
export {
  Option,
  type OptionSource,
  type OptionSpec,
  type OptionType,
  type OptionTypes,
} from "./option.js";
export {
  OptionParser,
  type OptionParserOptions,
  type ParseCommandLineOptions,
  type ParseConfigFileOptions,
} from "./option-parser.js";

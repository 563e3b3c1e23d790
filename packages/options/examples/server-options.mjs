// The README's example: options defined where they are used, parsed from argv, env and a file.
import { define, options, parseCommandLine, parseConfigFile } from "@t/options";

// In the module that uses them:
const port = define("port", {
  type: "int",
  default: 8888,
  min: 0,
  max: 65535,
  env: "PORT",
  help: "port to listen on",
});
const debug = define("debug", { type: "boolean", env: "APP_DEBUG", help: "development mode" });
const config = define("config", { type: "string", help: "a JSON file of option values" });

// In the entry point, once:
parseCommandLine(); // exits with a usage message on bad flags; --help prints the generated help
if (config.value !== undefined) parseConfigFile(config.value); // the command line still wins
console.log(port.value, debug.value, options.asObject());

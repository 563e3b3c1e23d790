// Run a Node script (an example, a CLI) as its own process and collect what it printed: for tests
// that a README's example runs as written and ends by itself.

import { execFile } from "node:child_process";

/** What {@link runScript} resolves with. */
export interface ScriptResult {
  /** The exit status, or null when the process was killed (signal, or the time limit). */
  readonly code: number | null;
  /** The signal that ended it, or null. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runScript}. */
export interface RunScriptOptions {
  /** Working directory (default: this process's). */
  cwd?: string;
  /** Extra environment variables (added to this process's). */
  env?: Record<string, string>;
  /** Kill the script (SIGTERM) after this many ms; `code` is then null. Default 60 000. */
  timeoutMs?: number;
}

/**
 * Run `node <script> ...args` and resolve once it exits (never rejects for a failing script:
 * look at `code`). A script that does not end by itself is killed after `timeoutMs`.
 */
export function runScript(
  script: string,
  args: readonly string[] = [],
  options: RunScriptOptions = {},
): Promise<ScriptResult> {
  if (typeof script !== "string" || script === "") {
    throw new TypeError("runScript expects the script's path");
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${String(timeoutMs)}`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: unknown; signal?: NodeJS.Signals | null }) | null;
        resolve({
          code: e === null ? 0 : typeof e.code === "number" ? e.code : null,
          signal: e?.signal ?? null,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
  });
}

/**
 * The first fenced code block (```js, ```ts, …) after the heading `heading` (e.g. "## Usage")
 * in a README's text, or undefined.
 */
export function readmeCodeBlock(readme: string, heading: string): string | undefined {
  const at = readme.indexOf(`\n${heading}\n`);
  if (at === -1) return undefined;
  return /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
}

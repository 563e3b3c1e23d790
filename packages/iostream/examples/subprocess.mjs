// Subprocess: feed a child through stdin, read its stdout and stderr, wait for its exit status.
import { IOLoop } from "@t/ioloop";
import { CalledProcessError, Subprocess } from "@t/iostream";

const loop = new IOLoop({ makeCurrent: true });
await loop.runSync(async () => {
  const sort = new Subprocess(["sort"], { stdin: Subprocess.STREAM, stdout: Subprocess.STREAM });
  await sort.stdin.write("pear\napple\nfig\n");
  sort.stdin.close(); // the child sees end of file
  const sorted = await sort.stdout.readUntilClose();
  console.log(sorted.toString().trim().split("\n").join(" "));
  console.log("sort exited with", await sort.waitForExit());

  const failing = new Subprocess(["sh", "-c", "echo oops >&2; exit 3"], {
    stderr: Subprocess.STREAM,
  });
  const stderr = await failing.stderr.readUntilClose();
  try {
    await failing.waitForExit(); // raiseError defaults to true
  } catch (err) {
    console.log(
      err instanceof CalledProcessError,
      err.code,
      err.returncode,
      stderr.toString().trim(),
    );
  }
});
loop.close();

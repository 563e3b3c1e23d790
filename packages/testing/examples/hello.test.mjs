import { HTTPHeaders, HTTPServer } from "@t/httpserver";
import { expectLog, startApp, withLoop } from "@t/testing";
import { afterEach, beforeEach, expect, test } from "vitest";

// The app under test: a request callback (an @t/web Application works the same way).
function hello(req) {
  if (req.path === "/boom") throw new Error("boom");
  req.connection.writeHeaders(
    { code: 200, reason: "OK" },
    new HTTPHeaders({ "Content-Type": "text/plain" }),
    Buffer.from(`Hello, ${req.arguments.name?.[0] ?? "world"}`),
  );
  req.connection.finish();
}

let app;
beforeEach(async () => {
  app = await startApp(hello); // its own IOLoop, an unused port on 127.0.0.1
});
afterEach(() => app.close());

test("says hello", async () => {
  const res = await app.fetch("/?name=test");
  expect(res.status).toBe(200);
  expect(await res.text()).toBe("Hello, test");
});

test("answers 500 and logs the error", async () => {
  const res = await expectLog(app.loop, /Uncaught exception/, () => app.fetch("/boom"));
  expect(res.status).toBe(500);
});

test("a loop fixture fails on what a test leaves behind", async () => {
  await expect(
    withLoop(
      async (loop) => {
        const server = new HTTPServer(hello, { loop });
        await server.listen(0, "127.0.0.1"); // never stopped: a leak
      },
      { leakGraceMs: 0 }, // report at once instead of allowing 5 s to wind down
    ),
  ).rejects.toThrow(/left behind/);
});

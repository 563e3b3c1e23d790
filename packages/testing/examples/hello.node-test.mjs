import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { HTTPHeaders } from "@t/httpserver";
import { startApp } from "@t/testing";

let app;
before(async () => {
  app = await startApp((req) => {
    req.connection.writeHeaders({ code: 200 }, new HTTPHeaders(), Buffer.from("ok"));
    req.connection.finish();
  });
});
after(() => app.close());

test("answers ok", async () => {
  const res = await app.fetch("/");
  assert.equal(await res.text(), "ok");
});

// Tornado's web-spider demo on @t's Queue and @t/httpclient: crawls the demo's own pages, each
// once, never more fetches at once than asked, and only below the base URL.

import { afterEach, describe, expect, it } from "vitest";
import { crawl, extractLinks } from "../src/spider.mjs";
import { type InProcessDemo, startInProcess } from "./helpers.js";

let demo: InProcessDemo | null = null;
afterEach(async () => {
  await demo?.close();
  demo = null;
});

describe("the web spider", () => {
  it("extracts links the way a browser resolves them", () => {
    const html =
      '<a href="/a#top">a</a><A HREF="b?x=1">b</A><a>none</a><a href="http://[bad">bad</a>' +
      '<link href="/not-a-link"><a href="https://elsewhere.example/">out</a>';
    expect(extractLinks(html, "http://127.0.0.1:1/dir/page")).toEqual([
      "http://127.0.0.1:1/a",
      "http://127.0.0.1:1/dir/b?x=1",
      "https://elsewhere.example/",
    ]);
  });

  it("crawls the demo's pages, each once, with bounded concurrency", async () => {
    demo = await startInProcess();
    const result = await crawl(`${demo.url}/`, { concurrency: 3 });
    const paths = result.fetched.map((u) => new URL(u).pathname);
    // The pages the home page and its links lead to.
    for (const path of ["/", "/hello", "/chat", "/upload", "/login"]) {
      expect(paths, `crawled ${path}`).toContain(path);
    }
    // Each URL fetched once.
    expect(new Set(result.fetched).size).toBe(result.fetched.length);
    expect(result.fetched.length).toBe(result.pages.size);
    expect(result.maxInFlight).toBeGreaterThanOrEqual(1);
    expect(result.maxInFlight).toBeLessThanOrEqual(3);
    for (const [url, status] of result.pages) {
      expect(url.startsWith(`${demo.url}/`)).toBe(true);
      expect([200, 404], url).toContain(status);
    }
  });

  it("stops at maxPages", async () => {
    demo = await startInProcess();
    const result = await crawl(`${demo.url}/`, { concurrency: 2, maxPages: 2 });
    expect(result.pages.size).toBe(2);
  });

  it("refuses bad options with a RangeError", async () => {
    await expect(crawl("http://127.0.0.1:1/", { concurrency: 0 })).rejects.toThrow(RangeError);
    await expect(crawl("http://127.0.0.1:1/", { maxPages: 1.5 })).rejects.toThrow(RangeError);
  });
});

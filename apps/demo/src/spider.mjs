// Tornado's web-spider demo on @t: a Queue of URLs, N workers fetching with @t/httpclient, links
// found with htmlparser2, `join()` to wait until every URL was handled. Crawls only below the
// base URL. `node src/spider.mjs [baseUrl] [--concurrency N] [--max-pages N]`.

import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { AsyncHTTPClient } from "@t/httpclient";
import { Queue } from "@t/ioloop";
import { Parser } from "htmlparser2";

/** Default number of concurrent fetches. */
export const DEFAULT_CONCURRENCY = 10;
/** Default most pages fetched in one crawl (a bound for a site that generates links). */
export const DEFAULT_MAX_PAGES = 1000;

/**
 * The links of an HTML page: every `<a href>`, resolved against `url`, without the fragment.
 * @param {string} html
 * @param {string} url
 * @returns {string[]}
 */
export function extractLinks(html, url) {
  /** @type {string[]} */
  const links = [];
  const parser = new Parser({
    onopentag(name, attributes) {
      if (name !== "a" || attributes.href === undefined) return;
      try {
        const link = new URL(attributes.href, url);
        link.hash = "";
        links.push(link.href);
      } catch {
        // not a URL: skip it, as a browser would not follow it
      }
    },
  });
  parser.write(html);
  parser.end();
  return links;
}

/**
 * @typedef {object} CrawlResult
 * @property {Map<string, number>} pages every URL fetched, with its status (0: failed to fetch)
 * @property {number} maxInFlight the most fetches that were running at once
 * @property {string[]} fetched every fetch started, in order (each URL once)
 */

/**
 * Crawl `baseUrl` and every page linked from it below `baseUrl`, `concurrency` fetches at a time,
 * each URL once, at most `maxPages` pages.
 * @param {string} baseUrl
 * @param {{ concurrency?: number, maxPages?: number, client?: AsyncHTTPClient }} [options]
 * @returns {Promise<CrawlResult>}
 */
export async function crawl(baseUrl, options = {}) {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  }
  if (!Number.isInteger(maxPages) || maxPages < 1) {
    throw new RangeError(`maxPages must be an integer >= 1, got ${maxPages}`);
  }
  const base = new URL(baseUrl).href;
  const client = options.client ?? new AsyncHTTPClient({ defaults: { requestTimeoutMs: 10_000 } });
  /** @type {Queue<string>} */
  const queue = new Queue();
  /** URLs queued or fetched: each is handled once. */
  const seen = new Set([base]);
  /** @type {Map<string, number>} */
  const pages = new Map();
  /** @type {string[]} */
  const fetched = [];
  let inFlight = 0;
  let maxInFlight = 0;

  /** @param {string} url */
  async function handle(url) {
    fetched.push(url);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const res = await client.fetch(url, { raiseError: false, followRedirects: true });
      pages.set(url, res.code);
      const type = res.headers.get("content-type") ?? "";
      if (res.code !== 200 || !type.startsWith("text/html")) return;
      for (const link of extractLinks(res.text(), res.effectiveUrl ?? url)) {
        if (!link.startsWith(base) || seen.has(link) || seen.size >= maxPages) continue;
        seen.add(link);
        queue.putNowait(link);
      }
    } catch {
      pages.set(url, 0);
    } finally {
      inFlight--;
    }
  }

  queue.putNowait(base);
  // Tornado's `worker()`: take a URL, handle it, mark it done; until the crawl is over.
  const stop = new AbortController();
  const workers = Array.from({ length: concurrency }, () =>
    (async () => {
      for await (const url of queue.iterate({ signal: stop.signal })) {
        try {
          await handle(url);
        } finally {
          queue.taskDone();
        }
      }
    })().catch(() => {}),
  );
  try {
    await queue.join();
  } finally {
    stop.abort();
    await Promise.all(workers);
    if (options.client === undefined) client.close();
  }
  return { pages, maxInFlight, fetched };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      concurrency: { type: "string", default: String(DEFAULT_CONCURRENCY) },
      "max-pages": { type: "string", default: String(DEFAULT_MAX_PAGES) },
    },
  });
  const baseUrl = positionals[0] ?? "http://127.0.0.1:8888/";
  const { pages, maxInFlight } = await crawl(baseUrl, {
    concurrency: Number(values.concurrency),
    maxPages: Number(values["max-pages"]),
  });
  for (const [url, status] of [...pages].sort()) console.log(status, url);
  console.log(`${pages.size} pages, at most ${maxInFlight} fetches at once`);
}

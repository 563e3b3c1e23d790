// A real browser (Chromium via playwright-core) logs in, chats over long polling and WebSocket, uploads,
// and looks at every page at desktop and phone sizes (screenshots in test-artifacts/).

import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ARTIFACTS_DIR,
  type DemoProcess,
  killAll,
  noteMissing,
  startDemoProcess,
  which,
} from "./helpers.js";

const CHROMIUM = which("chromium") ?? which("chromium-browser");
noteMissing("chromium", "apt-get install chromium");

/** Chromium flags for a quiet, sandbox-free headless run in CI containers. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The two sizes every page is looked at (CSS pixels). */
const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

/** The pages a visitor reaches from the nav, the home page and the footer. */
const PAGES: readonly { name: string; path: string; screenshot: boolean }[] = [
  { name: "home", path: "/", screenshot: true },
  { name: "hello", path: "/hello", screenshot: true },
  { name: "chat", path: "/chat", screenshot: true },
  { name: "chat-websocket", path: "/chat?transport=websocket", screenshot: true },
  { name: "upload", path: "/upload", screenshot: true },
  { name: "profile", path: "/me", screenshot: true },
  { name: "login", path: "/login", screenshot: true },
  { name: "not-found", path: "/no/such/page", screenshot: true },
  { name: "healthz", path: "/healthz", screenshot: false },
  // About 6,400 px of text: checked for width, not photographed.
  { name: "metrics", path: "/metrics", screenshot: false },
];

let context: BrowserContext | null = null;
let userDataDir: string | null = null;
let uploadDir: string | null = null;
let demo: DemoProcess;

beforeEach(async () => {
  if (CHROMIUM === null) return;
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  uploadDir = await mkdtemp(join(tmpdir(), "t-demo-browser-uploads-"));
  demo = await startDemoProcess(["--upload-dir", uploadDir, "--instance", "browser-test"]);
  // A new, empty profile for every test (Playwright passes it as --user-data-dir).
  userDataDir = await mkdtemp(join(tmpdir(), "t-demo-chromium-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
    viewport: { width: 1000, height: 700 },
  });
  context.setDefaultTimeout(30_000);
});

afterEach(async () => {
  await context?.close().catch(() => {});
  context = null;
  await killAll();
  for (const dir of [userDataDir, uploadDir]) {
    if (dir !== null) await rm(dir, { recursive: true, force: true });
  }
  userDataDir = null;
  uploadDir = null;
});

async function login(page: Page, name: string): Promise<void> {
  await page.goto(`${demo.url}/login`);
  await page.fill("#name", name);
  await Promise.all([page.waitForURL(`${demo.url}/`), page.click("#login-form button")]);
  await expect.poll(() => page.textContent("#user-name")).toBe(name);
}

/**
 * Assert that nothing on the page is wider than the viewport (no horizontal scrolling); the
 * failure message names the elements that stick out on the right.
 */
async function expectFits(page: Page, label: string): Promise<void> {
  const { scrollWidth, innerWidth, wide } = await page.evaluate(() => {
    const width = window.innerWidth;
    const out: string[] = [];
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 0.5) {
        const id = el.id ? `#${el.id}` : "";
        const cls = typeof el.className === "string" && el.className ? `.${el.className}` : "";
        out.push(`${el.tagName.toLowerCase()}${id}${cls} (right ${Math.round(r.right)})`);
      }
    }
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: width,
      wide: out.slice(0, 10),
    };
  });
  expect(
    scrollWidth,
    `${label} is wider than the viewport: ${wide.join(", ")}`,
  ).toBeLessThanOrEqual(innerWidth);
}

/** Assert that the element is on screen horizontally (not pushed off the right edge). */
async function expectOnScreen(page: Page, selector: string, label: string): Promise<void> {
  const box = await page.locator(selector).boundingBox();
  expect(box, `${selector} on ${label}`).not.toBeNull();
  const { x, width } = box as { x: number; width: number };
  expect(x, `${selector} on ${label}`).toBeGreaterThanOrEqual(0);
  expect(x + width, `${selector} on ${label}`).toBeLessThanOrEqual(page.viewportSize()?.width ?? 0);
}

/** Two pages in the room; page A posts, page B must show it. */
async function chatRoundTrip(transport: "longpoll" | "websocket", shot: string): Promise<void> {
  const ctx = context as BrowserContext;
  const a = await ctx.newPage();
  await login(a, "alice");
  const b = await ctx.newPage();
  const path = transport === "websocket" ? "/chat?transport=websocket" : "/chat";
  await a.goto(`${demo.url}${path}`);
  // B's first long poll is sent before A posts (the cursor makes the message reach B either
  // way; this exercises the waiting poll). An event, not a sleep.
  const polling =
    transport === "longpoll"
      ? b.waitForRequest((r) => r.url().includes("/chat/updates"), { timeout: 30_000 })
      : null;
  await b.goto(`${demo.url}${path}`);
  if (transport === "websocket") {
    await expect.poll(() => a.textContent("#status"), { timeout: 30_000 }).toBe("live");
    await expect.poll(() => b.textContent("#status"), { timeout: 30_000 }).toBe("live");
  } else {
    await polling;
  }
  const text = `hi from A over ${transport} ${Date.now()}`;
  await a.fill("#message", text);
  await a.press("#message", "Enter");
  const seen = b.locator(".message .body", { hasText: text });
  await seen.waitFor({ timeout: 30_000 });
  expect(await b.locator(".message", { hasText: text }).textContent()).toContain("alice:");
  await b.screenshot({ path: join(ARTIFACTS_DIR, shot), fullPage: true });
}

describe.skipIf(CHROMIUM === null)("in Chromium", () => {
  it("logs in with the form, shows the user and a profile page; logs out", async () => {
    const page = await (context as BrowserContext).newPage();
    await page.goto(`${demo.url}/me`);
    expect(new URL(page.url()).pathname).toBe("/login"); // sent to log in first
    await login(page, "alice");
    await page.screenshot({ path: join(ARTIFACTS_DIR, "login.png"), fullPage: true });
    // The name in the header leads to the profile, a page (not raw JSON).
    await Promise.all([page.waitForURL(`${demo.url}/me`), page.click("#user-name")]);
    expect(await page.textContent("h1")).toBe("Your profile");
    expect(await page.textContent("#profile-name")).toBe("alice");
    // Scripts asking for JSON still get JSON.
    const asJson = await page.evaluate(async () => {
      const res = await fetch("/me", { headers: { Accept: "application/json" } });
      return { type: res.headers.get("content-type"), body: await res.json() };
    });
    expect(asJson.type).toMatch(/^application\/json/);
    expect(asJson.body).toEqual({ user: "alice" });
    await page.goto(`${demo.url}/`);
    await Promise.all([page.waitForURL(`${demo.url}/`), page.click("#logout")]);
    await page.locator("#login-link").waitFor();
  });

  it("a message posted in one page appears in the other (long polling)", async () => {
    await chatRoundTrip("longpoll", "chat-longpoll.png");
  });

  it("a message posted in one page appears in the other (WebSocket)", async () => {
    await chatRoundTrip("websocket", "chat-websocket.png");
  });

  it("uploads a file with a progress bar that reaches 100 %, and the server has it", async () => {
    const page = await (context as BrowserContext).newPage();
    await page.goto(`${demo.url}/upload`);
    // Record every progress value the page shows.
    await page.evaluate(() => {
      const w = window as unknown as { seen: string[] };
      w.seen = [];
      const el = document.getElementById("percent") as HTMLElement;
      new MutationObserver(() => w.seen.push(el.textContent ?? "")).observe(el, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    // 2 MiB: several chunks and progress events, yet quick to hand to the browser (setInputFiles
    // copies the buffer through the DevTools pipe, slow on a loaded machine); bounds generous.
    const size = 2 * 1024 * 1024 + 17;
    const content = Buffer.alloc(size, "t");
    await page.setInputFiles(
      "#file",
      { name: "big file.txt", mimeType: "text/plain", buffer: content },
      { timeout: 120_000 },
    );
    await page.click("#upload-form button");
    await expect
      .poll(() => page.textContent("#result"), { timeout: 120_000 })
      .toContain("stored big file.txt");
    expect(await page.textContent("#percent")).toBe("100 %");
    expect(await page.getAttribute("#result", "data-size")).toBe(String(size));
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen.at(-1)).toBe("100 %");
    await page.screenshot({ path: join(ARTIFACTS_DIR, "upload.png"), fullPage: true });

    const list = await (await fetch(`${demo.url}/upload/list`)).json();
    expect(list.uploads).toHaveLength(1);
    expect(list.uploads[0]).toMatchObject({ name: "big file.txt", size });
    expect(list.uploads[0].path).toBeUndefined();
    const stored = (await readdir(uploadDir as string)).filter((n) => n.endsWith("-big file.txt"));
    expect(stored).toHaveLength(1);
    expect((await stat(join(uploadDir as string, stored[0]))).size).toBe(size);
  }, 240_000);

  it("every page fits at desktop and phone sizes: no horizontal scrolling, the user and Log out on screen", async () => {
    const page = await (context as BrowserContext).newPage();
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.goto(`${demo.url}/login`);
      await expectOnScreen(page, "#login-link", `/login at ${size}`);
      await expectFits(page, `/login (logged out) at ${size}`);
    }
    // The worst case: a long name in the header, a long unbroken word in the chat and a long
    // file name in the upload table.
    const name = "Maximiliana Wolkenstein-Brauer";
    await login(page, name);
    await page.goto(`${demo.url}/chat`);
    const word = "Supercalifragilistic".repeat(15);
    await page.fill("#message", word);
    await page.press("#message", "Enter");
    await page.locator(".message .body", { hasText: word }).waitFor({ timeout: 30_000 });
    await page.goto(`${demo.url}/upload`);
    const fileName = `${"a-file-name-without-any-spaces-".repeat(3)}.txt`;
    await page.setInputFiles(
      "#file",
      { name: fileName, mimeType: "text/plain", buffer: Buffer.from("hello") },
      { timeout: 120_000 },
    );
    await page.click("#upload-form button");
    await expect
      .poll(() => page.textContent("#result"), { timeout: 60_000 })
      .toContain(`stored ${fileName}`);

    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      for (const { name: pageName, path, screenshot } of PAGES) {
        const label = `${path} at ${size} (${viewport.width}×${viewport.height})`;
        await page.goto(`${demo.url}${path}`);
        await expectFits(page, label);
        if (path !== "/hello" && path !== "/healthz" && path !== "/metrics") {
          // The styled pages: the header shows who is logged in and how to log out.
          expect(await page.textContent("#user-name"), label).toBe(name);
          await expectOnScreen(page, "#user-name", label);
          await expectOnScreen(page, "#logout", label);
          // /metrics is for operators: a footer link, not in the main nav.
          expect(await page.locator('nav a[href="/metrics"]').count(), label).toBe(0);
          expect(await page.locator('footer a[href="/metrics"]').count(), label).toBe(1);
        }
        if (path.startsWith("/chat")) {
          // The long word wraps inside the chat box instead of widening it.
          const inbox = await page
            .locator("#inbox")
            .evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
          expect(inbox.scroll, label).toBeLessThanOrEqual(inbox.client);
        }
        if (screenshot) {
          await page.screenshot({
            path: join(ARTIFACTS_DIR, `page-${pageName}-${size}.png`),
            fullPage: true,
          });
        }
      }
    }
  }, 240_000);

  it("an unknown path gets the styled 404 page whose link leads home; scripts get text and JSON errors", async () => {
    const page = await (context as BrowserContext).newPage();
    for (const path of ["/no/such/page", "/static/no-such-file.css"]) {
      const res = await page.goto(`${demo.url}${path}`);
      expect(res?.status(), path).toBe(404);
      expect(await page.title(), path).toBe("404 Not Found · @t demo");
      expect(await page.textContent("h1"), path).toContain("404");
      expect(await page.textContent("main"), path).toContain(path);
      // The demo's stylesheet is applied (the header is a flex row, the font not the default serif).
      const style = await page.evaluate(() => ({
        header: getComputedStyle(document.querySelector("header") as Element).display,
        font: getComputedStyle(document.body).fontFamily,
      }));
      expect(style.header, path).toBe("flex");
      expect(style.font, path).toMatch(/system-ui/);
      await Promise.all([page.waitForURL(`${demo.url}/`), page.click("#home-link")]);
      expect(await page.textContent("h1")).toBe("@t demo");
    }
    // fetch() does not prefer HTML: plain text; the chat API answers its errors in JSON.
    const fromScripts = await page.evaluate(async () => {
      const missing = await fetch("/no/such/page");
      const refused = await fetch("/chat/new", { method: "POST", body: "body=hi" });
      return {
        missing: {
          status: missing.status,
          type: missing.headers.get("content-type"),
          body: await missing.text(),
        },
        refused: { status: refused.status, body: await refused.json() },
      };
    });
    expect(fromScripts.missing).toEqual({
      status: 404,
      type: "text/plain; charset=UTF-8",
      body: "404: Not Found\n",
    });
    expect(fromScripts.refused).toEqual({
      status: 403,
      body: { error: { status: 403, reason: "Forbidden" } },
    });
  });

  it("the favicon is an SVG the pages link, and /favicon.ico answers it too (no 404 in the log)", async () => {
    const page = await (context as BrowserContext).newPage();
    await page.goto(`${demo.url}/`);
    const linked = await page.getAttribute('link[rel="icon"]', "href");
    expect(linked).toMatch(/^\/static\/favicon\.svg\?v=[0-9a-f]+$/);
    for (const path of [linked as string, "/favicon.ico"]) {
      const res = await page.goto(`${demo.url}${path}`);
      expect(res?.status(), path).toBe(200);
      expect(res?.headers()["content-type"], path).toBe("image/svg+xml");
    }
    // Chromium decodes it as an image.
    await page.goto(`${demo.url}/`);
    const decoded = await page.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          const img = new Image();
          img.onload = () => resolve([img.naturalWidth, img.naturalHeight]);
          img.onerror = () => resolve([]);
          img.src = "/favicon.ico";
        }),
    );
    expect(decoded).toEqual([32, 32]);
    // The demo logs warnings only (T_LOG_LEVEL=warn): a 404 for the icon would be one.
    expect(`${demo.stdout()}${demo.stderr()}`).not.toContain("favicon");
  });

  it("the chat's ChatMessage UI module: its CSS applies and its script ran once for all the messages", async () => {
    const page = await (context as BrowserContext).newPage();
    await page.goto(`${demo.url}/chat`);
    const texts = ["first from the browser", "second from the browser", "third"];
    for (const text of texts) {
      await page.fill("#message", text);
      await page.press("#message", "Enter");
      await page.locator(".message .body", { hasText: text }).waitFor({ timeout: 30_000 });
    }
    // Now the server renders them, each through the module.
    await page.reload();
    await page.locator(".message-time").nth(2).waitFor();
    const seen = await page.evaluate(() => {
      const times = [...document.querySelectorAll<HTMLTimeElement>(".message-time")];
      return {
        times: times.length,
        numeric: getComputedStyle(times[0]).fontVariantNumeric,
        fontSizePx: Number.parseFloat(getComputedStyle(times[0]).fontSize),
        bodySizePx: Number.parseFloat(getComputedStyle(document.body).fontSize),
        titled: times.filter((t) => t.title !== "").length,
        scriptRuns: (window as unknown as { chatMessageScriptRuns?: number }).chatMessageScriptRuns,
        styles: [...document.querySelectorAll("style")].filter((s) =>
          s.textContent?.includes(".message-time"),
        ).length,
      };
    });
    expect(seen).toMatchObject({ times: 3, numeric: "tabular-nums", titled: 3, scriptRuns: 1 });
    expect(seen.styles).toBe(1);
    expect(seen.fontSizePx).toBeLessThan(seen.bodySizePx); // 0.75rem from the module's CSS
    await page.screenshot({ path: join(ARTIFACTS_DIR, "chat-ui-module.png"), fullPage: true });
  });

  it("shows the pages in German to a German browser; the switch changes the language and keeps it", async () => {
    const page = await (context as BrowserContext).newPage();
    await page.setExtraHTTPHeaders({ "Accept-Language": "de-DE,de;q=0.9,en;q=0.5" });
    await page.goto(`${demo.url}/`);
    expect(await page.getAttribute("html", "lang")).toBe("de");
    expect(await page.textContent("#login-link")).toBe("Anmelden");
    expect(await page.textContent('nav a[href="/upload"]')).toBe("Hochladen");
    await page.screenshot({ path: join(ARTIFACTS_DIR, "home-de.png"), fullPage: true });
    await page.goto(`${demo.url}/chat`);
    expect(await page.getAttribute("#message", "placeholder")).toBe("Schreib etwas …");
    await expectFits(page, "/chat in German at 1000 px");

    // English, by the switch: a cookie that wins over the browser's German.
    await Promise.all([page.waitForURL(`${demo.url}/chat`), page.click("#lang-en_US")]);
    expect(await page.getAttribute("html", "lang")).toBe("en-US");
    expect(await page.getAttribute("#message", "placeholder")).toBe("Say something…");
    await page.goto(`${demo.url}/`);
    expect(await page.textContent("#login-link")).toBe("Log in");
    // And back.
    await Promise.all([page.waitForURL(`${demo.url}/`), page.click("#lang-de")]);
    expect(await page.textContent("#login-link")).toBe("Anmelden");
    await page.setViewportSize(VIEWPORTS.phone);
    await expectFits(page, "/ in German at phone size");
  });
});

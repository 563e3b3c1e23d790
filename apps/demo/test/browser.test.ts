// A real browser (Chromium via playwright-core) logs in, chats over long polling and WebSocket, uploads.

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
  it("logs in with the form and shows the user; logs out", async () => {
    const page = await (context as BrowserContext).newPage();
    await page.goto(`${demo.url}/me`);
    expect(new URL(page.url()).pathname).toBe("/login"); // sent to log in first
    await login(page, "alice");
    await page.screenshot({ path: join(ARTIFACTS_DIR, "login.png"), fullPage: true });
    await page.goto(`${demo.url}/me`);
    expect(JSON.parse((await page.textContent("body")) as string)).toEqual({ user: "alice" });
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
    const size = 8 * 1024 * 1024 + 17;
    const content = Buffer.alloc(size, "t");
    await page.setInputFiles("#file", {
      name: "big file.txt",
      mimeType: "text/plain",
      buffer: content,
    });
    await page.click("#upload-form button");
    await expect
      .poll(() => page.textContent("#result"), { timeout: 30_000 })
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
  });
});

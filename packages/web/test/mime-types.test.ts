// mime-types.test.ts: static files get mrmime's types (captions, manifests, audio, YAML), served over real sockets.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { contentTypeForFile, guessType, isCompressibleType } from "../src/index.js";
import { WebFixture } from "./helpers.js";

describe("guessType and contentTypeForFile", () => {
  it.each([
    ["captions.vtt", "text/vtt; charset=utf-8"],
    ["site.webmanifest", "application/manifest+json"],
    ["song.m4a", "audio/mp4"],
    ["config.yaml", "text/yaml; charset=utf-8"],
    ["config.yml", "text/yaml; charset=utf-8"],
    ["clip.mov", "video/quicktime"],
    ["event.ics", "text/calendar; charset=utf-8"],
    ["data.jsonld", "application/ld+json"],
    ["model.glb", "model/gltf-binary"],
    ["picture.bmp", "image/bmp"],
    ["scan.tif", "image/tiff"],
    ["voice.opus", "audio/ogg"],
    ["sound.aac", "audio/aac"],
  ])("%s is served as %s (octet-stream with the hand-written table)", (file, type) => {
    expect(contentTypeForFile(`/static/${file}`)).toBe(type);
  });

  it("keeps the types the hand-written table had", () => {
    expect(contentTypeForFile("a/index.HTML")).toBe("text/html; charset=utf-8");
    expect(contentTypeForFile("app.js")).toBe("text/javascript; charset=utf-8");
    expect(contentTypeForFile("app.mjs")).toBe("text/javascript; charset=utf-8");
    expect(contentTypeForFile("a.json")).toBe("application/json");
    expect(contentTypeForFile("a.svg")).toBe("image/svg+xml");
    expect(contentTypeForFile("a.woff2")).toBe("font/woff2");
    expect(contentTypeForFile("a.wasm")).toBe("application/wasm");
    expect(contentTypeForFile("favicon.ico")).toBe("image/x-icon");
    expect(contentTypeForFile("lib.cjs")).toBe("text/javascript; charset=utf-8");
  });

  it("keeps Python's encoding rules for compressed and unknown files", () => {
    expect(guessType("x.tar.gz")).toEqual([null, "gzip"]);
    expect(guessType("x.svgz")).toEqual(["image/svg+xml", "gzip"]);
    expect(guessType("notes.txt.br")).toEqual(["text/plain", "br"]);
    expect(contentTypeForFile("x.tar.gz")).toBe("application/gzip");
    expect(contentTypeForFile("x.css.xz")).toBe("application/octet-stream");
    expect(contentTypeForFile("Makefile")).toBe("application/octet-stream");
    expect(contentTypeForFile("dir.d/noext")).toBe("application/octet-stream");
    expect(contentTypeForFile("x.unknownext")).toBe("application/octet-stream");
  });

  it("an extension that names an Object property is unknown, not a function", () => {
    for (const name of ["a.constructor", "a.__proto__", "a.toString", "a.hasOwnProperty"]) {
      expect(guessType(name)).toEqual([null, null]);
      expect(contentTypeForFile(name)).toBe("application/octet-stream");
    }
  });

  it("gzips structured +json and +xml types besides Tornado's list", () => {
    expect(isCompressibleType("application/manifest+json")).toBe(true);
    expect(isCompressibleType("application/ld+json; charset=utf-8")).toBe(true);
    expect(isCompressibleType("application/rss+xml")).toBe(true);
    expect(isCompressibleType("text/vtt; charset=utf-8")).toBe(true);
    expect(isCompressibleType("audio/mp4")).toBe(false);
    expect(isCompressibleType("application/wasm")).toBe(false);
  });
});

describe("StaticFileHandler Content-Type", () => {
  let base: string;
  let fx: WebFixture;
  const files: Record<string, string> = {
    "captions.vtt": "WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n",
    "site.webmanifest": '{"name":"t"}',
    "song.m4a": "not really audio",
    "config.yaml": "a: 1\n",
  };

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "t-web-mime-"));
    mkdirSync(join(base, "static"));
    for (const [name, body] of Object.entries(files))
      writeFileSync(join(base, "static", name), body);
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  beforeEach(() => {
    fx = new WebFixture();
  });
  afterEach(async () => {
    const bad = fx.logger.unexpected();
    await fx.dispose();
    expect(bad.map((e) => `${e.level}: ${e.msg}`)).toEqual([]);
  });

  it("serves .vtt, .webmanifest, .m4a and .yaml with their types", async () => {
    await fx.serve([], { staticPath: join(base, "static") });
    const expected: Record<string, string> = {
      "captions.vtt": "text/vtt; charset=utf-8",
      "site.webmanifest": "application/manifest+json",
      "song.m4a": "audio/mp4",
      "config.yaml": "text/yaml; charset=utf-8",
    };
    for (const [name, type] of Object.entries(expected)) {
      const res = await fx.fetch(`/static/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get("content-type"), name).toBe(type);
      expect(await res.text()).toBe(files[name]);
    }
  });
});

// Mistakes a porting user makes are refused when the Application is built, with a message that
// names the fix: unknown or Tornado-spelled settings, plain functions and swapped route tuples.

import { describe, expect, it } from "vitest";
import {
  Application,
  knownSettings,
  mountNodeHandler,
  RequestHandler,
  registerSettings,
} from "../src/index.js";

class Hello extends RequestHandler {
  get() {
    this.write("hi");
  }
}

function refusal(settings: unknown): string {
  try {
    new Application([], settings as never);
  } catch (err) {
    expect(err).toBeInstanceOf(TypeError);
    return (err as Error).message;
  }
  throw new Error("accepted");
}

describe("settings", () => {
  it("refuses Tornado's snake_case names with the camelCase one to use", () => {
    const message = refusal({ cookie_secret: "x", xsrf_cookies: true, static_path: "/s" });
    expect(message).toContain('"cookie_secret" (did you mean cookieSecret?)');
    expect(message).toContain('"xsrf_cookies" (did you mean xsrfCookies?)');
    expect(message).toContain('"static_path" (did you mean staticPath?)');
    expect(refusal({ xsrf_cookie_kwargs: {} })).toContain("did you mean xsrfCookieOptions?");
    expect(refusal({ login_url: "/in" })).toContain("did you mean loginUrl?");
  });

  it("refuses typos with the closest name, and lists the valid ones", () => {
    const message = refusal({ debgu: true });
    expect(message).toContain('"debgu" (did you mean debug?)');
    expect(message).toContain(`Valid settings: ${knownSettings().join(", ")}`);
    expect(message).toContain('Put values of your own under "custom"');
    expect(refusal({ somethingElse: 1 })).toMatch(
      /^unknown Application setting "somethingElse"\. Valid/,
    );
  });

  it("refuses settings that are not an object, saying what it got", () => {
    expect(refusal("debug")).toBe('Application settings must be an object, got the string "debug"');
    expect(refusal([])).toBe("Application settings must be an object, got an array");
  });

  it("accepts known settings, values of your own under custom, and names a package registered", () => {
    const app = new Application([], { debug: true, custom: { anything: 1 } });
    expect(app.settings.custom).toEqual({ anything: 1 });
    expect(refusal({ myPackageKnob: 3 })).toContain('"myPackageKnob"');
    registerSettings(["myPackageKnob"]);
    expect(() => new Application([], { myPackageKnob: 3 } as never)).not.toThrow();
    expect(knownSettings()).toContain("myPackageKnob");
    expect(() => registerSettings(["bad name"])).toThrow(TypeError);
  });
});

describe("routes", () => {
  it("refuses a plain function, naming it and the fix, without dumping its source", () => {
    function handler(_req: unknown, _res: unknown) {
      return "a long body that must not appear in the message";
    }
    expect(() => new Application([["/", handler as never]])).toThrow(
      "route /: the handler must be a RequestHandler subclass, got function handler; wrap a (req, res) => … function with mountNodeHandler(fn)",
    );
    expect(() => new Application([["/", mountNodeHandler(handler as never)]])).not.toThrow();
  });

  it("refuses a swapped tuple, naming the class and the right order", () => {
    let message = "";
    try {
      new Application([[Hello as never, "/" as never]]);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(
      "route pattern must be a string or a RegExp, got class Hello: a route is [pattern, HandlerClass, initArgs?, name?]",
    );
    expect(message).not.toContain("this.write");
  });

  it("refuses a non-class handler value with its type", () => {
    expect(() => new Application([["/", "Hello" as never]])).toThrow(
      'route /: the handler must be a RequestHandler subclass, got "Hello"',
    );
  });
});

// Login and logout with a signed cookie and XSRF-protected forms; a page only for logged-in users.

import { authenticated } from "@t/web";
import { BaseHandler, prefersHtml, USER_COOKIE } from "./base.mjs";

/** Where to go after logging in (or switching language): a local path only (no open redirect). */
export function localNext(/** @type {string} */ next) {
  return next.startsWith("/") && !next.startsWith("//") && !next.includes("\\") ? next : "/";
}

/** GET /login — the form; POST /login (name, _xsrf) — sets the signed `user` cookie. */
export class LoginHandler extends BaseHandler {
  static metricsRoute = "login";

  async get() {
    await this.render("login.eta", {
      title: this.locale.translate("Log in"),
      next: localNext(this.getArgument("next", "/")),
      error: null,
      oidcLabel: this.demo.oidcLabel,
    });
  }

  async post() {
    const name = this.getArgument("name", "").trim();
    if (!/^[\p{L}\p{N} _.-]{1,32}$/u.test(name)) {
      this.setStatus(400);
      await this.render("login.eta", {
        title: this.locale.translate("Log in"),
        next: localNext(this.getArgument("next", "/")),
        error: this.locale.translate(
          "A name is 1 to 32 letters, digits, spaces, dots, dashes or underscores.",
        ),
        oidcLabel: this.demo.oidcLabel,
      });
      return;
    }
    this.setSignedCookie(USER_COOKIE, name, { httpOnly: true, sameSite: "Lax" });
    this.redirect(localNext(this.getArgument("next", "/")));
  }
}

/** POST /logout (_xsrf) — clears the cookie. */
export class LogoutHandler extends BaseHandler {
  static metricsRoute = "logout";

  post() {
    this.clearCookie(USER_COOKIE);
    this.redirect("/");
  }
}

/**
 * GET /me — who you are: a page for browsers (an Accept header that prefers text/html), JSON
 * `{ user }` for everyone else; anonymous users are sent to /login?next=%2Fme.
 */
export class ProfileHandler extends BaseHandler {
  static metricsRoute = "profile";

  async get() {
    this.setHeader("Vary", "Accept");
    if (prefersHtml(this.request.headers.get("Accept"))) {
      await this.render("profile.eta", { title: this.locale.translate("Your profile") });
      return;
    }
    this.write({ user: this.currentUser });
  }
}
ProfileHandler.prototype.get = authenticated(ProfileHandler.prototype.get);

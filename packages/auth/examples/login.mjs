// Log in with OpenID Connect against a local provider, then stop. Run: node examples/login.mjs
import { getUserCookie, OAuth2LoginHandler, OpenIDConnectClient } from "@t/auth";
import { startTestProvider, TestBrowser } from "@t/auth/testing";
import { Application, authenticated, RequestHandler } from "@t/web";

class BaseHandler extends RequestHandler {
  getCurrentUser() {
    return getUserCookie(this); // the signed "user" cookie set after the login, or null
  }
}

class ProfileHandler extends BaseHandler {
  get() {
    this.write({ hello: this.currentUser });
  }
}
ProfileHandler.prototype.get = authenticated(ProfileHandler.prototype.get);

const app = new Application([["/me", ProfileHandler]], {
  cookieSecret: "change me", // signs the state and user cookies
  loginUrl: "/auth/oidc", // where `authenticated` sends anonymous users
});
const server = await app.listen(0, "127.0.0.1");
const base = `http://127.0.0.1:${server.addresses()[0].port}`;

// A real OpenID provider on loopback (npm oidc-provider); in production, your provider's issuer.
const provider = await startTestProvider({
  clients: [{ clientId: "demo", clientSecret: "s3cret", redirectUris: [`${base}/auth/oidc`] }],
});
const oidc = new OpenIDConnectClient({
  issuer: provider.issuer, // discovered: <issuer>/.well-known/openid-configuration
  clientId: "demo",
  clientSecret: "s3cret",
  redirectUri: `${base}/auth/oidc`,
  allowInsecureRequests: true, // the local provider speaks http:
});
// One route for both legs: it redirects to the provider, and takes the callback.
app.addHandlers(".*", [["/auth/oidc", OAuth2LoginHandler, { client: oidc }]]);

// A scripted browser: /me → login → provider's login and consent pages → callback → /me.
const browser = new TestBrowser();
const end = await browser.navigate(`${base}/me`, {
  submitFormsAt: provider.issuer,
  login: "alice",
});
console.log(end.response.code, JSON.stringify(end.response.json()));

browser.close();
oidc.close();
await provider.close();
await server.shutdown(); // nothing left: the process exits by itself

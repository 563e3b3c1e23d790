// toAuthError: what oauth4webapi and the transport throw, as @t/auth's error classes, by the step that failed.

import * as oauth from "oauth4webapi";
import {
  AuthCallbackError,
  AuthDeniedError,
  AuthDiscoveryError,
  AuthError,
  AuthIdTokenError,
  AuthProviderError,
  AuthTokenError,
  AuthUserInfoError,
} from "./errors.js";

/** The protocol step an error happened in. */
export type AuthStep = "discovery" | "callback" | "token" | "signature" | "userinfo";

/** Whether an oauth4webapi error is about the ID token (its claims, header or signature). */
function aboutIdToken(err: oauth.OperationProcessingError): boolean {
  if (err.code === oauth.JWT_CLAIM_COMPARISON || err.code === oauth.JWT_TIMESTAMP_CHECK) {
    return true;
  }
  const cause = err.cause as { claims?: unknown } | undefined;
  if (cause !== undefined && cause !== null && typeof cause === "object" && "claims" in cause) {
    return true;
  }
  return /\bJWT\b|ID Token|id_token/.test(err.message);
}

/**
 * Turn what a step threw into an {@link AuthError}: @t/auth's own errors pass unchanged; an
 * OAuth 2.0 error body (`invalid_grant`, …) becomes the step's refusal, an unusable answer its
 * provider error. The original error is the `cause`.
 */
export function toAuthError(err: unknown, step: AuthStep, providerName: string): AuthError {
  if (err instanceof AuthError) return err;
  const what = `${providerName}: `;
  if (err instanceof oauth.AuthorizationResponseError) {
    const fields = { error: err.error, errorDescription: err.error_description ?? null };
    const desc = fields.errorDescription ? ` (${fields.errorDescription})` : "";
    return new AuthDeniedError(
      `${what}the provider answered the authorization request with ${fields.error}${desc}`,
      fields,
      { cause: err },
    );
  }
  if (
    err instanceof oauth.ResponseBodyError ||
    err instanceof oauth.WWWAuthenticateChallengeError
  ) {
    const error =
      err instanceof oauth.ResponseBodyError ? err.error : (err.cause[0]?.parameters.error ?? null);
    const description =
      err instanceof oauth.ResponseBodyError
        ? (err.error_description ?? null)
        : (err.cause[0]?.parameters.error_description ?? null);
    const detail = `${error ?? "an error"}${description ? ` (${description})` : ""}, status ${err.status}`;
    if (step === "token") {
      return new AuthTokenError(
        `${what}the token endpoint refused the authorization code: ${detail}`,
        { error, errorDescription: description },
        { cause: err },
      );
    }
    if (step === "userinfo") {
      return new AuthUserInfoError(`${what}the user-info endpoint answered ${detail}`, {
        cause: err,
      });
    }
    return new AuthDiscoveryError(`${what}discovery failed: ${detail}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  switch (step) {
    case "discovery":
      return new AuthDiscoveryError(`${what}unusable discovery document: ${message}`, {
        cause: err,
      });
    case "callback":
      return new AuthCallbackError(`${what}unusable authorization response: ${message}`, {
        cause: err,
      });
    case "signature":
      return new AuthIdTokenError(`${what}ID token rejected: ${message}`, { cause: err });
    case "userinfo":
      return new AuthUserInfoError(`${what}user info rejected: ${message}`, { cause: err });
    case "token":
      if (err instanceof oauth.OperationProcessingError && aboutIdToken(err)) {
        return new AuthIdTokenError(`${what}ID token rejected: ${message}`, { cause: err });
      }
      return new AuthProviderError(`${what}unusable token response: ${message}`, { cause: err });
  }
}

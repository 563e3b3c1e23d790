// The demo's UI modules and ui methods (one module namespace, given to both settings): a chat message, and `t` for translated text with placeholders.

import { interpolate } from "@t/locale";
import { UIModule, xhtmlEscape } from "@t/web";

/**
 * One chat message as the chat page renders it from the server (chat.js builds the same markup
 * for messages that arrive later), with when it was sent in the reader's language ("vor 3
 * Minuten"). Its CSS and script go into the page once, however many messages there are.
 */
export class ChatMessage extends UIModule {
  /** @param {import("./chat/message-buffer.mjs").ChatMessage} m */
  render(m) {
    const sent = new Date(m.time);
    return (
      `<div class="message" id="m${xhtmlEscape(m.id)}"><b>${xhtmlEscape(m.from)}:</b> ` +
      `<span class="body">${xhtmlEscape(m.body)}</span> <small>${xhtmlEscape(m.via)}</small>` +
      ` <time class="message-time" datetime="${sent.toISOString()}">` +
      `${xhtmlEscape(this.locale.formatDate(sent))}</time></div>`
    );
  }

  embeddedCss() {
    return ".message-time { color: var(--muted); font-size: 0.75rem; font-variant-numeric: tabular-nums; }";
  }

  embeddedJavascript() {
    // Hovering a time shows it in full, in the page's language. Counted, so that a test can see
    // that the script ran once however many messages used the module.
    return [
      "window.chatMessageScriptRuns = (window.chatMessageScriptRuns || 0) + 1;",
      'for (const el of document.querySelectorAll(".message-time")) {',
      "  el.title = new Date(el.dateTime).toLocaleString(document.documentElement.lang);",
      "}",
    ].join("\n");
  }
}

/**
 * ui method `t(message, values)`: the message translated into the request's language, its
 * `%(name)s` placeholders filled (`it.t("Hello, %(name)s", { name })`).
 * @param {import("@t/web").RequestHandler} handler
 * @param {string} message
 * @param {Record<string, unknown>} [values]
 */
export function t(handler, message, values = {}) {
  return interpolate(handler.locale.translate(message), values);
}

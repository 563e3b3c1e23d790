// The direction rule, written once: each @t package and the @t packages it stands on.
//
// This is the table of the root README's "The direction rule" (and of the design's §2). A
// package may import the packages on its line and everything those stand on, transitively, and
// nothing else of ours; `pnpm lint` checks the imports and each package.json against it, and a
// test checks that the README shows the same lines. A new package gets a line here first.

/**
 * Each `@t/*` package (key) and the `@t/*` packages directly beneath it (value). "Below P"
 * means reachable from P along these arrows. Every package under `packages/` must have a line
 * (a line may come before its package); apps and tools sit above all of them and have none.
 */
export const LAYERS = {
  "@t/testing": ["@t/httpserver", "@t/tcpserver", "@t/ioloop", "@t/poller-native"],
  "@t/auth": ["@t/web", "@t/httpclient"],
  "@t/rpc": ["@t/tcpserver", "@t/iostream", "@t/ioloop"],
  "@t/websocket": ["@t/web", "@t/httpserver", "@t/iostream", "@t/ioloop"],
  "@t/web": ["@t/httpserver", "@t/tcpserver", "@t/ioloop", "@t/locale"],
  "@t/httpclient": [
    "@t/httpserver",
    "@t/tcpserver",
    "@t/iostream",
    "@t/ioloop",
    "@t/poller-native",
  ],
  "@t/httpserver": ["@t/tcpserver", "@t/iostream", "@t/ioloop"],
  "@t/tcpserver": ["@t/iostream", "@t/ioloop", "@t/poller-native"],
  "@t/iostream": ["@t/ioloop", "@t/poller-native"],
  "@t/ioloop": ["@t/poller-native"],
  "@t/poller-native": [],
  "@t/options": [],
  "@t/locale": [],
};

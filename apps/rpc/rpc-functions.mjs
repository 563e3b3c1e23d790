// The functions clients may call, collected by registerModule (the seed's "collect rpc functions").

/** The seed's example: add two numbers. */
export function sum(x, y) {
  return x + y;
}

/** An async function: resolves after `ms` with `text` reversed. */
export async function slowReverse(text, ms = 10) {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return [...text].reverse().join("");
}

/** Throws on purpose: the client gets an RpcRemoteError carrying name, message and code. */
export function fail(message) {
  const err = new Error(message);
  err.code = "E_APP_FAIL";
  throw err;
}

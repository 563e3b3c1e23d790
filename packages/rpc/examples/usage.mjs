import { RpcClient, RpcServer } from "@t/rpc";

const server = new RpcServer();
server.register("sum", (x, y) => x + y);
server.register("slowDouble", async (x) => {
  await new Promise((resolve) => setTimeout(resolve, 10));
  return x * 2;
});
await server.listen(0, "127.0.0.1"); // serving now (listen starts the IOLoop)
const { port } = server.addresses()[0];

const client = new RpcClient({ clientId: "client-1" });
client.register("greet", (text) => `client-1 got: ${text}`);
await client.connect("127.0.0.1", port);

console.log(await client.call("sum", 1, 2)); // 3
console.log(await client.apply("slowDouble", [21], { timeoutMs: 1000 })); // 42
// The server calls a connected client by its id.
console.log(await server.call("client-1", "greet", "welcome")); // client-1 got: welcome

client.close();
await server.shutdown(); // nothing left: the process exits by itself

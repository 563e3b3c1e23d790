// Hello-world on fastify.
import Fastify from "fastify";

const port = Number(process.argv[2]);
const app = Fastify({ logger: false, keepAliveTimeout: 120_000 });
app.get("/", (_req, reply) => {
  reply.type("text/plain").send("Hello, world");
});
await app.listen({ port, host: "127.0.0.1" });
process.send?.("ready");

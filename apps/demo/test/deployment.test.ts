// deploy/kubernetes.yaml and the Dockerfile agree with the demo: the probe paths answer, the
// ports and flags match, the grace period covers preStop plus the drain, SIGTERM exits 0.

import { readFileSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { DEMO_DIR, killAll, startDemoProcess } from "./helpers.js";

afterEach(killAll);

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  args: string[];
  ports: { name: string; containerPort: number }[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  lifecycle: { preStop: { sleep: { seconds: number } } };
  env: { name: string }[];
}

const docs = parseAllDocuments(
  readFileSync(join(DEMO_DIR, "deploy", "kubernetes.yaml"), "utf8"),
).map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS() as { kind: string; spec: Record<string, unknown> };
});
const deployment = docs.find((d) => d.kind === "Deployment") as {
  spec: {
    template: { spec: { terminationGracePeriodSeconds: number; containers: Container[] } };
  };
};
const service = docs.find((d) => d.kind === "Service") as {
  spec: { ports: { targetPort: string | number }[] };
};
const pod = deployment.spec.template.spec;
const container = pod.containers[0] as Container;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    }).on("error", reject);
  });
}

describe("the Kubernetes manifest", () => {
  it("has a Deployment and a Service whose ports agree with the flags", () => {
    expect(docs.map((d) => d.kind).sort()).toEqual(["Deployment", "Service"]);
    const port = Number(flag(container.args, "--port"));
    expect(flag(container.args, "--host")).toBe("0.0.0.0");
    const named = container.ports.find((p) => p.containerPort === port);
    expect(named).toBeDefined();
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect([named?.name, port]).toContain(probe.httpGet.port);
    }
    expect([named?.name, port]).toContain(service.spec.ports[0]?.targetPort);
  });

  it("gives the pod more time than preStop plus the drain", () => {
    const drainS = Number(flag(container.args, "--shutdown-timeout") ?? 10);
    const preStopS = container.lifecycle.preStop.sleep.seconds;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStopS + drainS);
  });

  it("probes paths that answer 200 on the demo, and SIGTERM drains and exits 0", async () => {
    // The manifest's flags, on 127.0.0.1:0 and without its Redis (not needed for the probes).
    const args = [...container.args];
    args.splice(args.indexOf("--host"), 2);
    args.splice(args.indexOf("--port"), 2);
    const demo = await startDemoProcess(args);
    const ready = container.readinessProbe.httpGet.path;
    const live = container.livenessProbe.httpGet.path;
    expect(ready).not.toBe(live); // liveness must not fail while draining
    expect(await status(`${demo.url}${ready}`)).toBe(200);
    expect(await status(`${demo.url}${live}`)).toBe(200);
    demo.child.kill("SIGTERM");
    expect(await demo.exited).toBe(0);
  });

  it("matches the Dockerfile's entry point and port", () => {
    const dockerfile = readFileSync(join(DEMO_DIR, "Dockerfile"), "utf8");
    expect(dockerfile).toContain('ENTRYPOINT ["node", "apps/demo/src/main.mjs"]');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    const cmdArgs = JSON.parse(cmd?.[1] ?? "[]") as string[];
    expect(flag(cmdArgs, "--port")).toBe(flag(container.args, "--port"));
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${flag(container.args, "--port")}$`, "m"));
  });
});

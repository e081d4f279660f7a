import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { ConfigMap, Service } from "kubernetes-models/v1";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { toServerConfig } from "../../../src/cli/commands/start/server-config.js";
import { execForm, readDockerfile } from "../../helpers/dockerfile.js";
import { ScriptedEngine, textEvents } from "../../helpers/scripted-engine.js";
import { parseStartFlags } from "../../helpers/servers/index.js";
import { repoRoot } from "../../helpers/test-models.js";

const folder = path.join(repoRoot, "deploy/kubernetes");
const readJson = (filePath: string): unknown => JSON.parse(readFileSync(filePath, "utf8"));
const manifestFiles = readdirSync(folder).filter((name) => name.endsWith(".json")).sort();
const manifests = manifestFiles.map((name) => readJson(path.join(folder, name)) as { kind: string });
const ofKind = <Kind>(kind: string): Kind => {
  const found = manifests.filter((manifest) => manifest.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Kind;
};

const deployment = new Deployment(ofKind("Deployment"));
const service = new Service(ofKind("Service"));
const configMap = new ConfigMap(ofKind("ConfigMap"));
const autoscaler = new HorizontalPodAutoscaler(ofKind("HorizontalPodAutoscaler"));
const podSpec = deployment.spec!.template.spec!;
const container = podSpec.containers[0]!;
const dockerCmd = execForm(readDockerfile(path.join(repoRoot, "deploy/Dockerfile")).findLast((instruction) => instruction.keyword === "CMD")!.argument);
/** The container's plain environment values; the key comes from a Secret, stood in for here. */
const containerEnv = Object.fromEntries((container.env ?? []).map((variable) => [variable.name, variable.value ?? "from-a-secret"]));

afterEach(() => {
  vi.unstubAllEnvs();
});

/** The app as the container runs it: the image's CMD and the manifest's environment, over a scripted engine. */
async function containerApp() {
  for (const [name, value] of Object.entries(containerEnv)) vi.stubEnv(name, value);
  const config = toServerConfig(await parseStartFlags(dockerCmd.slice(1)), {});
  const apiKey = config.apiKey ?? "";
  return { app: createApp({ engine: ScriptedEngine.replaying(textEvents), security: { apiKey, bindHost: config.host, allowedHosts: config.allowedHosts } }), config, apiKey };
}

describe("deploy/kubernetes", () => {
  it("holds a ConfigMap, a Deployment, a Service and an autoscaler, each valid against the Kubernetes API schema", () => {
    expect(manifests.map((manifest) => manifest.kind).sort()).toEqual(["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Service"]);
    for (const model of [deployment, service, configMap, autoscaler]) expect(() => model.validate()).not.toThrow();
    // The validator does refuse: a container without a name is not a Deployment.
    const nameless = structuredClone(ofKind<Record<string, never>>("Deployment")) as unknown as { spec: { template: { spec: { containers: object[] } } } };
    delete (nameless.spec.template.spec.containers[0] as { name?: string }).name;
    expect(() => new Deployment(nameless as never).validate()).toThrow();
  });

  it("lists every manifest in its kustomization", () => {
    const kustomization = readFileSync(path.join(folder, "kustomization.yaml"), "utf8");
    const listed = [...kustomization.matchAll(/^\s+- (\S+)$/gm)].map((match) => match[1]).sort();
    expect(listed).toEqual(manifestFiles);
  });

  it("mounts deploy/config.json as the config file the image's CMD names, with upstream pools", () => {
    const configText = configMap.data?.["config.json"] ?? "";
    expect(JSON.parse(configText)).toEqual(readJson(path.join(repoRoot, "deploy/config.json")));
    expect(JSON.parse(configText)).toMatchObject({ pools: [{ model: expect.any(String), endpoints: [{ url: expect.any(String) }] }] });
    const configFile = dockerCmd[dockerCmd.indexOf("--config") + 1]!;
    const mount = container.volumeMounts?.find((volumeMount) => configFile.startsWith(`${volumeMount.mountPath}/`));
    const volume = podSpec.volumes?.find((candidate) => candidate.name === mount?.name);
    expect(volume?.configMap?.name).toBe(configMap.metadata?.name);
    expect(path.basename(configFile)).toBe("config.json");
  });

  it("probes /health on the container's port, with a Host the server accepts and no key, and it answers 200 when ready", async () => {
    const { app, config } = await containerApp();
    const port = container.ports?.find((candidate) => candidate.name === "http")?.containerPort;
    expect(port).toBe(config.port);
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
      expect(probe?.httpGet).toMatchObject({ path: "/health", port: "http" });
      const headers = Object.fromEntries((probe?.httpGet?.httpHeaders ?? []).map((header) => [header.name.toLowerCase(), header.value]));
      const response = await app.inject({ method: "GET", url: probe!.httpGet!.path!, headers });
      expect(response.statusCode).toBe(200);
    }
    // Without the probe's Host header (the kubelet would send the pod's IP) the server refuses it.
    expect((await app.inject({ method: "GET", url: "/health", headers: { host: "10.1.2.3:8080" } })).statusCode).toBe(403);
  });

  it("is reachable through the Service by its name, with the key", async () => {
    const { app, apiKey } = await containerApp();
    expect(service.spec?.selector).toEqual(deployment.spec?.template.metadata?.labels);
    expect(container.ports?.some((port) => port.name === service.spec?.ports?.[0]?.targetPort)).toBe(true);
    const host = `${service.metadata?.name}:${service.spec?.ports?.[0]?.port}`;
    const response = await app.inject({ method: "GET", url: "/v1/models", headers: { host, authorization: `Bearer ${apiKey}` } });
    expect(response.statusCode).toBe(200);
  });

  it("sets resource requests and limits, runs as the image's non-root user, and outlasts the shutdown grace", async () => {
    expect(container.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources?.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    const imageUser = readDockerfile(path.join(repoRoot, "deploy/Dockerfile")).findLast((instruction) => instruction.keyword === "USER")!.argument;
    expect(podSpec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: Number(imageUser.split(":")[0]) });
    const { config } = await containerApp();
    expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThan(config.shutdownGraceMs / 1000);
  });

  it("scales the Deployment on pensieve_queue_depth per pod, a metric /metrics really exports", async () => {
    expect(autoscaler.spec?.scaleTargetRef).toMatchObject({ kind: "Deployment", name: deployment.metadata?.name });
    expect(autoscaler.spec?.metrics).toEqual([{ type: "Pods", pods: { metric: { name: "pensieve_queue_depth" }, target: { type: "AverageValue", averageValue: expect.any(String) } } }]);
    const { app, apiKey } = await containerApp();
    const metrics = await app.inject({ method: "GET", url: "/metrics", headers: { host: "localhost", "x-api-key": apiKey } });
    expect(metrics.payload).toMatch(/^pensieve_queue_depth \d+$/m);
  });
});

// docker-compose.yml and the Kubernetes example (issue 26), parsed as `docker compose config` and a schema
// check would: the structure each tool requires, and what each container's command means to the CLI itself
// (its flags exist, its ports are the metrics port, its grace period covers a worker's graceful stop).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { validateJob } from "../../src/jobs/validateJob.js";
import { configOf, HAND_BACK_S, seconds } from "./recipe.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** Compose's variable substitution: ${VAR}, ${VAR:-default}, ${VAR-default}, $$ (as `docker compose config` does). */
function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\$|\$\{(\w+)(?:(:?-)([^}]*))?\}/g, (all, name: string | undefined, op: string | undefined, dflt: string | undefined) => {
    if (all === "$$") return "$";
    const v = env[name as string];
    if (op === ":-") return v === undefined || v === "" ? (dflt ?? "") : v;
    if (op === "-") return v === undefined ? (dflt ?? "") : v;
    return v ?? "";
  });
}

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: string[] | Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  profiles?: string[];
}
const compose = parse(interpolate(read("docker-compose.yml"), { RUN_ID: "nightly-1" })) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const ours = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

describe("docker-compose.yml", () => {
  it("every service has an image or a build context with a Dockerfile; references resolve", () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect(s.image !== undefined || s.build !== undefined, name).toBe(true);
      if (s.build !== undefined) expect(typeof s.build === "string" ? s.build : s.build.context).toBe(".");
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) expect(Object.keys(compose.services), `${name} depends on ${d}`).toContain(d);
      for (const [d, c] of Array.isArray(s.depends_on) ? [] : Object.entries(s.depends_on ?? {})) {
        expect(["service_started", "service_healthy", "service_completed_successfully"]).toContain(c.condition);
        if (c.condition === "service_healthy") expect(compose.services[d]?.healthcheck, `${d} has a healthcheck`).toBeDefined();
      }
      for (const v of s.volumes ?? []) {
        const source = v.split(":")[0] as string;
        if (!source.startsWith(".") && !source.startsWith("/")) expect(Object.keys(compose.volumes ?? {}), `volume ${source}`).toContain(source);
        else expect(() => readFileSync(join(ROOT, source))).not.toThrow();
      }
      for (const p of s.ports ?? []) expect(p).toMatch(/^(127\.0\.0\.1:)?\d+:\d+$/);
    }
  });

  it.each(ours.map(([name, s]) => [name, s] as const))("%s: its command is one the CLI takes, with its environment", (_name, s) => {
    expect(() => configOf(s.command ?? ["help"], s.environment ?? {})).not.toThrow();
  });

  it("workers serve metrics where Prometheus scrapes them, and get the time to hand rows back on stop", () => {
    const worker = compose.services.worker as Service;
    const { command, config } = configOf(worker.command ?? [], worker.environment ?? {});
    expect(command).toBe("work");
    const scrape = parse(read("examples/prometheus.yml")) as { scrape_configs: Array<{ dns_sd_configs: Array<{ names: string[]; port: number }> }> };
    const target = scrape.scrape_configs[0]?.dns_sd_configs[0];
    expect(target?.names).toContain("worker");
    expect(config.metricsPort).toBe(target?.port);
    expect(seconds(worker.stop_grace_period ?? "10s")).toBeGreaterThanOrEqual(config.shutdownTimeoutMs / 1000 + HAND_BACK_S);
  });
});

// The parts of the Kubernetes API these examples use, with the fields the API server requires.
const container = {
  type: "object",
  required: ["name", "image"],
  properties: {
    name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" },
    image: { type: "string", minLength: 1 },
    args: { type: "array", items: { type: "string" } },
    env: {
      type: "array",
      items: {
        type: "object",
        required: ["name"],
        properties: { name: { type: "string" }, value: { type: "string" }, valueFrom: { type: "object" } },
        additionalProperties: false,
      },
    },
    ports: {
      type: "array",
      items: {
        type: "object",
        required: ["containerPort"],
        properties: { name: { type: "string", maxLength: 15 }, containerPort: { type: "integer", minimum: 1, maximum: 65535 } },
      },
    },
  },
};
const podSpec = {
  type: "object",
  required: ["containers"],
  properties: {
    containers: { type: "array", minItems: 1, items: container },
    restartPolicy: { enum: ["Always", "OnFailure", "Never"] },
    terminationGracePeriodSeconds: { type: "integer", minimum: 0 },
  },
};
const metadata = { type: "object", required: ["name"], properties: { name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$" } } };
const SCHEMAS: Record<string, object> = {
  Deployment: {
    type: "object",
    required: ["apiVersion", "kind", "metadata", "spec"],
    properties: {
      apiVersion: { const: "apps/v1" },
      metadata,
      spec: {
        type: "object",
        required: ["selector", "template"],
        properties: {
          replicas: { type: "integer", minimum: 0 },
          selector: { type: "object", required: ["matchLabels"] },
          template: { type: "object", required: ["metadata", "spec"], properties: { spec: podSpec } },
        },
      },
    },
  },
  CronJob: {
    type: "object",
    required: ["apiVersion", "kind", "metadata", "spec"],
    properties: {
      apiVersion: { const: "batch/v1" },
      metadata,
      spec: {
        type: "object",
        required: ["schedule", "jobTemplate"],
        properties: {
          schedule: { type: "string", pattern: "^\\S+( \\S+){4}$" },
          concurrencyPolicy: { enum: ["Allow", "Forbid", "Replace"] },
          jobTemplate: {
            type: "object",
            required: ["spec"],
            properties: {
              spec: {
                type: "object",
                required: ["template"],
                properties: { template: { type: "object", required: ["spec"], properties: { spec: { ...podSpec, required: ["containers", "restartPolicy"] } } } },
              },
            },
          },
        },
      },
    },
  },
  ConfigMap: {
    type: "object",
    required: ["apiVersion", "kind", "metadata"],
    properties: { apiVersion: { const: "v1" }, metadata, data: { type: "object", additionalProperties: { type: "string" } } },
  },
};

// biome-ignore lint/suspicious/noExplicitAny: manifests are checked by the schemas above before they are read
type Manifest = any;
const manifests: Array<[string, Manifest]> = ["deploy/kubernetes/worker.yaml", "deploy/kubernetes/nightly-cronjob.yaml"].flatMap((file) =>
  parseAllDocuments(read(file)).map((doc, i): [string, Manifest] => {
    expect(doc.errors, file).toEqual([]);
    return [`${file}#${i}`, doc.toJS()];
  }),
);
const ajv = new Ajv({ allErrors: true });
const envOf = (c: Manifest): Record<string, string> =>
  Object.fromEntries((c.env ?? []).filter((e: Manifest) => e.value !== undefined).map((e: Manifest) => [e.name, e.value]));

describe("the Kubernetes example", () => {
  it.each(manifests)("%s follows its kind's schema", (_where, m) => {
    const schema = SCHEMAS[m.kind as string];
    expect(schema, `a schema for ${m.kind}`).toBeDefined();
    const valid = ajv.validate(schema as object, m);
    expect(ajv.errorsText(ajv.errors)).toBe(valid ? "No errors" : "");
  });

  it("the worker Deployment: its selector picks its pods, and its metrics port is the one the worker serves and is probed on", () => {
    const d = manifests.find(([, m]) => m.kind === "Deployment")?.[1];
    expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    const { command, config } = configOf(c.args, envOf(c));
    expect(command).toBe("work");
    expect(config.metricsPort).toBeGreaterThan(0);
    const port = c.ports.find((p: Manifest) => p.containerPort === config.metricsPort);
    expect(port, "a container port is the metrics port").toBeDefined();
    for (const probe of [c.readinessProbe, c.livenessProbe]) {
      expect(probe.httpGet.path).toBe("/metrics");
      expect([port.name, port.containerPort]).toContain(probe.httpGet.port);
    }
    expect(Number(d.spec.template.metadata.annotations["prometheus.io/port"])).toBe(config.metricsPort);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    // Long enough for the graceful stop: calls in flight finish, rows go back to the queue.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(config.shutdownTimeoutMs / 1000 + HAND_BACK_S);
  });

  it("the nightly CronJob runs its job file once at a time, and never repeats a run that ended with failed rows", () => {
    const cj = manifests.find(([, m]) => m.kind === "CronJob")?.[1];
    expect(cj.spec.concurrencyPolicy).toBe("Forbid");
    expect(cj.spec.jobTemplate.spec.backoffLimit).toBe(0);
    const pod = cj.spec.jobTemplate.spec.template.spec;
    const c = pod.containers[0];
    const { command, positionals } = configOf(c.args, envOf(c));
    expect(command).toBe("run");
    const jobPath = positionals[0] as string;
    // The job file it runs is the ConfigMap's, mounted where the args say, and valid against the job schema.
    const mount = c.volumeMounts.find((v: Manifest) => jobPath.startsWith(`${v.mountPath}/`));
    const volume = pod.volumes.find((v: Manifest) => v.name === mount.name);
    const cm = manifests.find(([, m]) => m.kind === "ConfigMap" && m.metadata.name === volume.configMap.name)?.[1];
    const text = cm.data[jobPath.slice(mount.mountPath.length + 1)];
    expect(() => validateJob(JSON.parse(text), jobPath)).not.toThrow();
    expect(pod.securityContext.runAsNonRoot).toBe(true);
  });
});

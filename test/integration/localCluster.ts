/**
 * A real Redis Cluster of private redis-server processes on free ports, and
 * TLS certificates made with openssl, for the Redis Cluster / TLS / password tests.
 * Everything a helper starts is registered: `stopAll` (in an afterEach) kills
 * the processes and removes the temp dirs, whether the test passed or not.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, waitForPort } from "./privateRedis.js";

const run = promisify(execFile);

export const hasRedisCli = spawnSync("sh", ["-c", "command -v redis-cli"]).status === 0;
export const hasOpenssl = spawnSync("sh", ["-c", "command -v openssl"]).status === 0;

export interface Certs {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface LocalRedis {
  readonly ports: readonly number[];
  /** `redis://` or `rediss://`, with the password, of the first node (a cluster's seed node). */
  readonly url: string;
  readonly dir: string;
  readonly certs: Certs | undefined;
  /** Kills node `i` (SIGKILL) and starts it again, with its data, on the same ports. */
  restart(i: number, downMs?: number): Promise<void>;
}

const procs: ChildProcess[] = [];
const dirs: string[] = [];

/** Kills every redis-server a helper started and removes their dirs. */
export async function stopAll(): Promise<void> {
  await Promise.all(procs.splice(0).map(kill));
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
}

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), name));
  dirs.push(dir);
  return dir;
}

/** A CA and a server certificate for 127.0.0.1 and localhost, signed by it (NODE_EXTRA_CA_CERTS=ca). */
export async function makeCerts(dir: string): Promise<Certs> {
  const [ca, caKey, cert, key, csr, ext] = ["ca.crt", "ca.key", "server.crt", "server.key", "server.csr", "ext.cnf"].map((f) => join(dir, f)) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  await run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", ca, "-days", "1", "-subj", "/CN=connect-backfill test CA"]);
  await run("openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"]);
  await writeFile(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await run("openssl", ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", cert, "-days", "1", "-extfile", ext]);
  return { ca, cert, key };
}

function tlsArgs(certs: Certs): string[] {
  return ["--tls-cert-file", certs.cert, "--tls-key-file", certs.key, "--tls-ca-cert-file", certs.ca, "--tls-auth-clients", "no"];
}

/** What redis-cli needs to talk to these servers. */
function cliArgs(opts: { password?: string | undefined; certs?: Certs | undefined }): string[] {
  return [...(opts.certs ? ["--tls", "--cacert", opts.certs.ca] : []), ...(opts.password ? ["-a", opts.password, "--no-auth-warning"] : [])];
}

function urlOf(port: number, opts: { password?: string | undefined; tls?: boolean | undefined }): string {
  return `${opts.tls ? "rediss" : "redis"}://${opts.password ? `:${encodeURIComponent(opts.password)}@` : ""}127.0.0.1:${port}`;
}

function startServer(args: string[]): ChildProcess {
  const p = spawn("redis-server", args, { stdio: "ignore" });
  procs.push(p);
  return p;
}

function kill(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once("exit", () => resolve());
    p.kill("SIGKILL");
  });
}

/** Servers started with `args[i]`, restartable one at a time. */
function restarter(servers: ChildProcess[], args: string[][], ports: number[]): LocalRedis["restart"] {
  return async (i, downMs = 0) => {
    await kill(servers[i] as ChildProcess);
    await new Promise((r) => setTimeout(r, downMs));
    servers[i] = startServer(args[i] as string[]);
    await waitForPort(ports[i] as number);
  };
}

/** One private redis-server, with a password and TLS (then on a TLS port only) if asked. */
export async function startSingle(opts: { password?: string; tls?: boolean } = {}): Promise<LocalRedis> {
  const dir = await tempDir("cb-redis-single-");
  const certs = opts.tls ? await makeCerts(dir) : undefined;
  const port = await freePort();
  const args = [
    ...(certs ? ["--port", "0", "--tls-port", String(port), ...tlsArgs(certs)] : ["--port", String(port)]),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    "no",
    "--maxmemory-policy",
    "noeviction",
    ...(opts.password ? ["--requirepass", opts.password] : []),
  ];
  const servers = [startServer(args)];
  await waitForPort(port);
  return { ports: [port], url: urlOf(port, opts), dir, certs, restart: restarter(servers, [args], [port]) };
}

/**
 * A cluster of `masters` masters and no replicas, every slot assigned, its state
 * ok on every node. The cluster bus gets a free port of its own (the default,
 * port + 10000, can be taken or past 65535).
 */
export async function startCluster(opts: { masters?: number; password?: string; tls?: boolean; appendonly?: boolean } = {}): Promise<LocalRedis> {
  const dir = await tempDir("cb-redis-cluster-");
  const certs = opts.tls ? await makeCerts(dir) : undefined;
  const ports: number[] = [];
  const buses: number[] = [];
  const args: string[][] = [];
  for (let i = 0; i < (opts.masters ?? 3); i++) {
    let port = await freePort();
    while (ports.includes(port) || buses.includes(port)) port = await freePort();
    let bus = await freePort();
    while (bus === port || ports.includes(bus) || buses.includes(bus)) bus = await freePort();
    ports.push(port);
    buses.push(bus);
    // A dir per node: with appendonly each keeps its own appendonlydir.
    const nodeDir = join(dir, String(port));
    await mkdir(nodeDir);
    args.push([
      ...(certs ? ["--port", "0", "--tls-port", String(port), "--tls-cluster", "yes", ...tlsArgs(certs)] : ["--port", String(port)]),
      "--bind",
      "127.0.0.1",
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      join(dir, `nodes-${port}.conf`),
      "--cluster-port",
      String(bus),
      "--dir",
      nodeDir,
      "--save",
      "",
      ...(opts.appendonly ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
      "--daemonize",
      "no",
      "--maxmemory-policy",
      "noeviction",
      ...(opts.password ? ["--requirepass", opts.password, "--masterauth", opts.password] : []),
    ]);
  }
  const servers = args.map(startServer);
  for (const port of ports) await waitForPort(port);
  const auth = cliArgs({ password: opts.password, certs });
  await run("redis-cli", [...auth, "--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"], {
    timeout: 20_000,
  });
  // Every node must know every slot's owner before a client asks it (the gossip takes a moment).
  const deadline = Date.now() + 20_000;
  for (const port of ports) {
    for (;;) {
      const { stdout } = await run("redis-cli", [...auth, "-h", "127.0.0.1", "-p", String(port), "cluster", "info"], { timeout: 5_000 }).catch(() => ({
        stdout: "",
      }));
      if (/cluster_state:ok/.test(stdout)) break;
      if (Date.now() > deadline) throw new Error(`the cluster's node on ${port} did not reach cluster_state:ok`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { ports, url: urlOf(ports[0] as number, opts), dir, certs, restart: restarter(servers, args, ports) };
}

/** Every key on one node (`redis-cli KEYS *`, fine on a test's few keys). */
export async function keysOn(port: number, opts: { password?: string; certs?: Certs | undefined } = {}): Promise<string[]> {
  const { stdout } = await run("redis-cli", [...cliArgs(opts), "-h", "127.0.0.1", "-p", String(port), "--raw", "keys", "*"], { timeout: 5_000 });
  return stdout.split("\n").filter((k) => k !== "");
}

// The browser tests' system: the dashboard built, then every service started the way `make run` starts
// them (ra_runtime.launcher: embedded NATS with JetStream and Postgres, each service its own process,
// the gateway serving the build), in a scratch directory, on a free port. Stopped after the tests.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "vite";
import type { TestProject } from "vitest/node";

export interface SystemInfo {
  baseURL: string;
  admin: { email: string; password: string };
  viewer: { email: string; password: string };
  artifacts: string;
  log: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    system: SystemInfo;
  }
}

const dashboard = resolve(import.meta.dirname, "..");
const repo = resolve(dashboard, "..");
const admin = { email: "admin@example.com", password: "e2e-Admin-password-1" };
const viewer = { email: "viewer@example.com", password: "e2e-Viewer-password-1" };

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? ok(address.port) : fail(new Error("no port"))));
    });
  });
}

async function until<T>(what: string, seconds: number, probe: () => Promise<T | undefined>, child: ChildProcess, log: string): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown = null;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the system exited (${child.exitCode}) while waiting for ${what}; see ${log}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what} (${String(last)}); see ${log}`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const work = mkdtempSync(join(tmpdir(), "ra-e2e-"));
  const artifacts = resolve(dashboard, "e2e/artifacts");
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const log = join(artifacts, "system.log");

  await build({ root: dashboard, logLevel: "warn", build: { outDir: join(work, "dist"), emptyOutDir: true } });

  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const python = process.env.RA_PYTHON ?? join(repo, ".venv/bin/python");
  const out = openSync(log, "w");
  const child = spawn(python, ["-m", "ra_runtime.launcher"], {
    cwd: repo,
    detached: true,
    stdio: ["ignore", out, out],
    env: {
      ...process.env,
      // Embedded NATS and Postgres, whatever the calling shell points at.
      NATS_URL: "",
      DATABASE_URL: "",
      RA_DATA_DIR: join(work, "data"),
      RA_GATEWAY_PORT: String(port),
      RA_DASHBOARD_DIR: join(work, "dist"),
      RA_ADMIN_EMAIL: admin.email,
      RA_ADMIN_PASSWORD: admin.password,
    },
  });

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(-child.pid, "SIGTERM");
      const killed = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 45_000);
      await exited;
      clearTimeout(killed);
    }
    rmSync(work, { recursive: true, force: true });
  };

  try {
    const token = await until("the admin's login", 240, async () => {
      const res = await fetch(`${baseURL}/api/v1/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(admin),
      });
      return res.ok ? ((await res.json()) as { access_token: string }).access_token : undefined;
    }, child, log);
    const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
    // Every owner answers: the run list asks all four pipelines' services, mailboxes asks warmup.
    await until("every service", 180, async () => {
      const runs = await fetch(`${baseURL}/api/v1/pipelines/runs?limit=1`, { headers });
      const mailboxes = await fetch(`${baseURL}/api/v1/mailboxes`, { headers });
      return runs.ok && mailboxes.ok ? true : undefined;
    }, child, log);
    const registered = await fetch(`${baseURL}/api/v1/auth/register`, {
      method: "POST",
      headers,
      body: JSON.stringify({ ...viewer, full_name: "Vera Viewer", role: "viewer" }),
    });
    if (!registered.ok) throw new Error(`registering the viewer: ${registered.status} ${await registered.text()}`);
  } catch (err) {
    await stop();
    throw err;
  }

  project.provide("system", { baseURL, admin, viewer, artifacts, log });
  return stop;
}

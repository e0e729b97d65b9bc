/**
 * `npm start` after `kill -9` (issue 19, item 4): the killed process leaves its embedded PostgreSQL running;
 * the next start must stop that orphan and come up, and every fatal error must be one readable line. Runs the
 * real entry point (`scripts/start.ts`, API only) with its own data dir and embedded PostgreSQL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "tessera-start-"));
const children: ChildProcess[] = [];

function start(): { child: ChildProcess; url: Promise<string>; output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      TESSERA_NO_WEB: "1",
      TESSERA_DATA_DIR: dataDir,
      PORT: "0",
      DATABASE_URL: "",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  const url = new Promise<string>((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /Tessera on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`npm start exited (${code}):\n${out}`)));
  });
  return { child, url, output: () => out };
}

function postmasterPid(): number | null {
  try {
    return Number(readFileSync(join(dataDir, "pg", "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return null;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 3000));
  const pid = postmasterPid();
  if (pid && alive(pid)) process.kill(pid, "SIGINT");
});

it("comes back after kill -9: the orphaned PostgreSQL is stopped and the next start serves", async () => {
  const first = start();
  const url1 = await first.url;
  expect((await fetch(`${url1}/healthz`)).status).toBe(200);
  // The generated superuser password is private to the data dir.
  expect(statSync(join(dataDir, "pg-password")).mode & 0o777).toBe(0o600);
  const orphan = postmasterPid()!;
  first.child.kill("SIGKILL");
  await new Promise((r) => first.child.once("exit", r));
  expect(alive(orphan)).toBe(true); // what used to make the next start fail

  const second = start();
  const url2 = await second.url;
  expect((await fetch(`${url2}/healthz`)).status).toBe(200);
  expect(alive(orphan)).toBe(false);
  expect(second.output()).not.toMatch(/uncaughtException|undefined/);
  second.child.kill("SIGTERM");
  const code = await new Promise((r) => second.child.once("exit", r));
  expect(code).toBe(0);
}, 180_000);

it("a fatal start-up error is one readable line", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: ROOT,
    env: { ...process.env, TESSERA_NO_WEB: "1", PORT: "not-a-port", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (b: Buffer) => {
    err += b.toString();
  });
  const code = await new Promise((r) => child.once("exit", r));
  expect(code).toBe(1);
  expect(err).toMatch(/^Tessera could not start: Invalid environment:[\s\S]*PORT/m);
  expect(err).not.toMatch(/uncaughtException: undefined/);
}, 60_000);

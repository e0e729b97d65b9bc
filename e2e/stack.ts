import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_BUNDLE_NAME } from "@tessera/shared";

/**
 * How the browser tests and the web benchmark reach the app: the real stack (`npm start`: API, Hocuspocus,
 * embedded PostgreSQL, runner and the production Next build) on a free port with a fresh data directory.
 * Values are fixed in the environment once, so Playwright's workers (which re-read the config) agree.
 */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const ARTIFACTS = join(REPO_ROOT, "e2e", "artifacts");

function freePort(): number {
  // A synchronous way to ask the OS for a free port: a child process binds port 0 and prints it.
  const out = execFileSync(process.execPath, [
    "-e",
    "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
  ]);
  return Number(out.toString().trim());
}

export function stackEnv(): { port: number; baseURL: string; env: Record<string, string> } {
  process.env.TESSERA_E2E_PORT ??= String(freePort());
  if (!process.env.TESSERA_E2E_DATA_DIR) {
    const dir = mkdtempSync(join(tmpdir(), "tessera-e2e-"));
    // Embedded PostgreSQL's initdb runs as an unprivileged user when we are root: it must reach the dir.
    chmodSync(dir, 0o755);
    process.env.TESSERA_E2E_DATA_DIR = dir;
  }
  const port = Number(process.env.TESSERA_E2E_PORT);
  const env: Record<string, string> = {
    PORT: String(port),
    TESSERA_DATA_DIR: process.env.TESSERA_E2E_DATA_DIR,
    NEXT_TELEMETRY_DISABLED: "1",
  };
  // The committed model when present, else a smoke bundle, unless the caller chose one.
  const smoke = join(REPO_ROOT, ".tessera", "smoke-bundle");
  if (process.env.TESSERA_MODEL_DIR) env.TESSERA_MODEL_DIR = process.env.TESSERA_MODEL_DIR;
  else if (!existsSync(join(REPO_ROOT, "models", DEFAULT_BUNDLE_NAME, "manifest.json")) && existsSync(smoke))
    env.TESSERA_MODEL_DIR = smoke;
  return { port, baseURL: `http://127.0.0.1:${port}`, env };
}

/** Debian's Chromium; never a downloaded browser. */
export const CHROMIUM = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

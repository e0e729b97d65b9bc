/**
 * `npm start`: one process, one port. Builds apps/web when its build is missing or older than its sources,
 * then starts the API with Next's request handler as the fallback for every route the API doesn't own.
 * TESSERA_NO_WEB=1 starts the API alone.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exitOnSignals, type Fallback, startApiServer } from "../apps/api/src/index.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const webDir = join(root, "apps/web");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === ".next" || entry.name.startsWith(".")) continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

async function webFallback(): Promise<Fallback | undefined> {
  if (process.env.TESSERA_NO_WEB === "1" || !existsSync(webDir)) return undefined;
  const buildId = join(webDir, ".next/BUILD_ID");
  if (!existsSync(buildId) || statSync(buildId).mtimeMs < newestMtime(webDir)) {
    const first = !existsSync(buildId);
    console.log(
      first
        ? "First start: building the web app (next build, about 1–2 minutes on 2 cores; later starts reuse it)…"
        : "The web app's sources changed: rebuilding it (next build, about 1–2 minutes on 2 cores)…",
    );
    const t0 = Date.now();
    const r = spawnSync("npm", ["run", "build", "-w", "@tessera/web"], { cwd: root, stdio: "inherit" });
    if (r.status !== 0) throw new Error("next build failed");
    console.log(`web app built in ${Math.round((Date.now() - t0) / 1000)} s`);
  }
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: webDir });
  await app.prepare();
  const handle = app.getRequestHandler();
  return (req, res) => handle(req, res);
}

/** Every fatal error as one readable line (a library may reject with undefined or a bare object). */
function fatal(e: unknown): never {
  const message =
    e instanceof Error ? e.message : e === undefined ? "an unknown error (no details were given)" : String(e);
  console.error(`Tessera could not start: ${message}`);
  if (e instanceof Error && process.env.LOG_LEVEL === "debug") console.error(e.stack);
  process.exit(1);
}
process.on("uncaughtException", fatal);
process.on("unhandledRejection", fatal);

try {
  const api = await startApiServer({ fallback: await webFallback() });
  console.log(`Tessera on ${api.url}`);
  exitOnSignals(() => api.close());
} catch (e) {
  fatal(e);
}

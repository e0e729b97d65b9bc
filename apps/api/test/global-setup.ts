/**
 * Integration tests need a real PostgreSQL. They use the server in TESSERA_TEST_PG (default: the local
 * service on 127.0.0.1:5432); when nothing answers there — a fresh machine — they get the same embedded
 * PostgreSQL that `npm start` uses, in a temp dir, so `npm test` needs no database set up by hand.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "../src/db/embedded.ts";

const DEFAULT_ADMIN = "postgresql://postgres@127.0.0.1:5432/test";

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 5432) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

let embedded: EmbeddedDatabase | undefined;
let dir: string | undefined;

export async function setup(): Promise<void> {
  const admin = process.env.TESSERA_TEST_PG ?? DEFAULT_ADMIN;
  if (await reachable(admin)) return;
  if (process.env.TESSERA_TEST_PG) throw new Error(`TESSERA_TEST_PG=${admin} is not reachable`);
  dir = await mkdtemp(join(tmpdir(), "tessera-test-pg-"));
  embedded = await startEmbeddedPostgres(dir, () => {});
  process.env.TESSERA_TEST_PG = embedded.url;
  console.log(`[api tests] no PostgreSQL on ${new URL(admin).host}: using an embedded one (${embedded.url})`);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}

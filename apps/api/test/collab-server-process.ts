/**
 * A collab server in its own process, so a test can kill -9 it. Env: DATABASE_URL, PORT (0 = any),
 * COLLAB_MODE = "log" (the real store: append before ack) | "plain" (what a plain debounced store does:
 * nothing written until the debounced onStoreDocument). Every cookie user is an editor of every board.
 * Prints `READY <port>` once listening.
 */
import { TesseraError } from "@tessera/shared";
import pg from "pg";
import type { BoardStore } from "../src/collab/index.ts";
import { pgBoardStore, Roles, startCollabServer } from "./collab-harness.ts";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 8 });
const real = pgBoardStore(pool);
const store: BoardStore = process.env.COLLAB_MODE === "plain" ? { ...real, append: async () => 0n } : real;

const roles = new Roles();
roles.authorize = async (headers) => {
  const userId = /tessera_session=([^;]+)/.exec(headers.cookie ?? "")?.[1];
  if (!userId) throw new TesseraError("UNAUTHENTICATED");
  return { userId, displayName: userId, role: "EDITOR" as const };
};

// Hocuspocus's defaults: store 2 s after the last change, at the latest after 10 s.
const server = await startCollabServer({
  store,
  roles,
  debounceMs: 2000,
  maxDebounceMs: 10_000,
  port: Number(process.env.PORT ?? 0),
});
process.stdout.write(`READY ${server.port}\n`);
process.on("SIGTERM", async () => {
  await server.close();
  await pool.end();
  process.exit(0);
});

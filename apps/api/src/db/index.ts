/**
 * Database bootstrap: the embedded default or DATABASE_URL, migrations applied, and two Prisma clients over
 * the same database — one for everything, and a small pool of its own for the board document log.
 */
import { fileURLToPath } from "node:url";
import { createPrisma, type PrismaClient } from "./client.ts";
import { startEmbeddedPostgres } from "./embedded.ts";
import { migrate } from "./migrate.ts";

export { createPrisma, type PrismaClient } from "./client.ts";
export { Prisma } from "./generated/client.ts";
export * from "./generated/enums.ts";
export { migrate } from "./migrate.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../../../prisma/migrations", import.meta.url));

/** Connections in the shared pool (`Database.prisma`). */
export const SHARED_CONNECTIONS = 10;
/** Connections in the board document log's own pool (`Database.documents`). */
export const DOCUMENT_LOG_CONNECTIONS = 4;

export interface Database {
  prisma: PrismaClient;
  /**
   * The board document log's own pool (collab's appends, loads and compactions). Every keystroke waits for
   * its append before it reaches the other editors; in the shared pool those appends queued behind bursts of
   * GraphQL work — 200 watchers subscribing to a new generation held them 100–250 ms (bench:load) — so the
   * log has connections nothing else can take.
   */
  documents: PrismaClient;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  log: (msg: string) => void;
}): Promise<Database> {
  const embedded = opts.databaseUrl ? null : await startEmbeddedPostgres(opts.dataDir, opts.log);
  const url = opts.databaseUrl ?? embedded!.url;
  try {
    await migrate(url, MIGRATIONS_DIR);
  } catch (e) {
    await embedded?.stop();
    throw e;
  }
  const prisma = createPrisma(url, SHARED_CONNECTIONS);
  const documents = createPrisma(url, DOCUMENT_LOG_CONNECTIONS);
  return {
    prisma,
    documents,
    url,
    embedded: embedded !== null,
    async close() {
      await Promise.all([prisma.$disconnect(), documents.$disconnect()]);
      await embedded?.stop();
    },
  };
}

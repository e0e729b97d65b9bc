/** Database bootstrap: the embedded default or DATABASE_URL, migrations applied, one Prisma client. */
import { fileURLToPath } from "node:url";
import { createPrisma, type PrismaClient } from "./client.ts";
import { startEmbeddedPostgres } from "./embedded.ts";
import { migrate } from "./migrate.ts";

export { createPrisma, type PrismaClient } from "./client.ts";
export { Prisma } from "./generated/client.ts";
export * from "./generated/enums.ts";
export { migrate } from "./migrate.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../../../prisma/migrations", import.meta.url));

export interface Database {
  prisma: PrismaClient;
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
  const prisma = createPrisma(url);
  return {
    prisma,
    url,
    embedded: embedded !== null,
    async close() {
      await prisma.$disconnect();
      await embedded?.stop();
    },
  };
}

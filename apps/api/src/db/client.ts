/** The Prisma 7 client over node-postgres through @prisma/adapter-pg (no native query engine). */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client.ts";

export type { PrismaClient } from "./generated/client.ts";

export function createPrisma(databaseUrl: string, maxConnections = 10): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: maxConnections });
  return new PrismaClient({ adapter });
}

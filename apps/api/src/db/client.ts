/** The Prisma 7 client over node-postgres through @prisma/adapter-pg (no native query engine). */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client.ts";

export type { PrismaClient } from "./generated/client.ts";

export function createPrisma(databaseUrl: string, maxConnections = 10): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: maxConnections });
  // "minimal": the default formats capture a stack trace (new Error()) on every query to point at the
  // caller in error messages — the largest single cost in the client's CPU profile under load (bench:abuse).
  // Errors are mapped to typed Tessera errors and logged with their own stacks anyway.
  return new PrismaClient({ adapter, errorFormat: "minimal" });
}

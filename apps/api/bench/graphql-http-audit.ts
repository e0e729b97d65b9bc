/**
 * Runs graphql-http's GraphQL-over-HTTP server audits against `/graphql` and prints the pass count and
 * every failure (`npx tsx apps/api/bench/graphql-http-audit.ts`). The audits send no cookie, so each request
 * is a fresh guest, as a first-time browser would be.
 */
import { auditServer } from "graphql-http";
import { startTestApi } from "../test/api-harness.ts";
import { scratchDatabase } from "../test/db-helpers.ts";

const db = await scratchDatabase("tessera_audit");
const api = await startTestApi({ databaseUrl: db.url }, { engine: null });
const results = await auditServer({ url: `${api.url}/graphql` });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const r of results) {
  counts[r.status]++;
  if (r.status !== "ok") console.log(`${r.status.toUpperCase()} ${r.id} ${r.name}: ${r.reason}`);
}
console.log(
  `graphql-http audits: ${counts.ok} ok, ${counts.notice} notices, ${counts.warn} warnings, ${counts.error} errors of ${results.length}`,
);
await api.close();
await db.drop();

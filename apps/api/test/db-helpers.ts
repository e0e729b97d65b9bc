/** Scratch databases on the local PostgreSQL (DATABASE_URL's server, default 127.0.0.1:5432) for tests. */
import { randomBytes } from "node:crypto";
import pg from "pg";

const ADMIN = process.env.TESSERA_TEST_PG ?? "postgresql://postgres@127.0.0.1:5432/test";

export async function scratchDatabase(prefix = "tessera_api"): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: ADMIN });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

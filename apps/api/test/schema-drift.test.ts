/**
 * The hand-written migrations and schema.prisma cannot drift: after migrating a fresh database, every
 * model, field (type, nullability, list), enum, primary key, index and unique constraint in schema.prisma
 * exists in PostgreSQL exactly, and nothing extra does. Also: the committed generated client is current.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR, migrate } from "../src/db/index.ts";
import { scratchDatabase } from "./db-helpers.ts";

const SCHEMA = readFileSync(new URL("../../../prisma/schema.prisma", import.meta.url), "utf8");
const PG_TYPE: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Float: "double precision",
  Boolean: "boolean",
  DateTime: "timestamp(3) without time zone",
  Json: "jsonb",
  Bytes: "bytea",
};

interface Parsed {
  enums: Map<string, string[]>;
  columns: Map<string, string>; // "Model.field" -> "type|nullable"
  indexes: Set<string>; // "Model|unique|col,col"
  pks: Set<string>; // "Model|col,col"
}

function parseSchema(src: string): Parsed {
  const out: Parsed = { enums: new Map(), columns: new Map(), indexes: new Set(), pks: new Set() };
  const blocks = src.matchAll(/^(model|enum)\s+(\w+)\s*\{([^}]*)\}/gm);
  const blockList = [...blocks];
  const enumNames = new Set(blockList.filter((b) => b[1] === "enum").map((b) => b[2]!));
  const modelNames = new Set(blockList.filter((b) => b[1] === "model").map((b) => b[2]!));
  for (const [, kind, name, body] of blockList) {
    const lines = body!
      .split("\n")
      .map((l) => l.replace(/\/\/.*$/, "").trim())
      .filter(Boolean);
    if (kind === "enum") {
      out.enums.set(name!, lines);
      continue;
    }
    for (const line of lines) {
      const block = /^@@(id|index|unique)\(\[([^\]]+)\]/.exec(line);
      if (block) {
        const cols = block[2]!
          .split(",")
          .map((s) => s.trim())
          .join(",");
        if (block[1] === "id") out.pks.add(`${name}|${cols}`);
        else out.indexes.add(`${name}|${block[1] === "unique"}|${cols}`);
        continue;
      }
      const m = /^(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!m) continue;
      const [, field, type, list, optional, attrs] = m;
      if (modelNames.has(type!)) continue; // relation field: no column
      // A native type attribute overrides the default column type (embeddings are float4: `@db.Real`).
      const base = enumNames.has(type!) ? type! : attrs!.includes("@db.Real") ? "real" : PG_TYPE[type!];
      expect(base, `type of ${name}.${field}`).toBeDefined();
      // Prisma lists are nullable arrays in PostgreSQL.
      out.columns.set(`${name}.${field}`, `${list ? `${base}[]` : base}|${Boolean(optional || list)}`);
      if (attrs!.includes("@id")) out.pks.add(`${name}|${field}`);
      if (attrs!.includes("@unique")) out.indexes.add(`${name}|true|${field}`);
    }
  }
  return out;
}

describe("migrations match schema.prisma", () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let client: pg.Client;
  beforeAll(async () => {
    db = await scratchDatabase("tessera_drift");
    await migrate(db.url, MIGRATIONS_DIR);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it("has exactly the schema's enums, columns, primary keys and indexes", async () => {
    const want = parseSchema(SCHEMA);
    const enums = await client.query<{ name: string; labels: string[] }>(
      `SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    expect(new Map(enums.rows.map((r) => [r.name, r.labels]))).toEqual(want.enums);

    const cols = await client.query<{ table_name: string; column_name: string; type: string; nullable: boolean }>(
      `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type,
              NOT a.attnotnull AS nullable
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
         AND c.relname <> '_prisma_migrations'`,
    );
    const got = new Map(
      cols.rows.map((r) => [`${r.table_name}.${r.column_name}`, `${r.type.replace(/^"|"$/g, "")}|${r.nullable}`]),
    );
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want.columns));

    const idx = await client.query<{ table: string; unique: boolean; primary: boolean; cols: string[] }>(
      `SELECT t.relname AS table, i.indisunique AS unique, i.indisprimary AS primary,
              array_agg(a.attname ORDER BY k.ord)::text[] AS cols
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
       WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'
       GROUP BY t.relname, i.indexrelid, i.indisunique, i.indisprimary`,
    );
    const pks = new Set(idx.rows.filter((r) => r.primary).map((r) => `${r.table}|${r.cols.join(",")}`));
    const others = new Set(idx.rows.filter((r) => !r.primary).map((r) => `${r.table}|${r.unique}|${r.cols.join(",")}`));
    expect([...pks].sort()).toEqual([...want.pks].sort());
    expect([...others].sort()).toEqual([...want.indexes].sort());
  });

  it("records migrations like prisma migrate deploy and is idempotent", async () => {
    const rows = await client.query(
      `SELECT migration_name, finished_at, applied_steps_count FROM "_prisma_migrations"`,
    );
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const r of rows.rows) {
      expect(r.finished_at).not.toBeNull();
      expect(r.applied_steps_count).toBe(1);
    }
    const again = await migrate(db.url, MIGRATIONS_DIR);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied.length).toBe(rows.rows.length);
  });

  it("stores candidate PNGs uncompressed (storage is SQL-only, not in schema.prisma)", async () => {
    const r = await client.query(
      `SELECT attstorage FROM pg_attribute WHERE attrelid = '"Candidate"'::regclass AND attname = 'png'`,
    );
    expect(r.rows).toEqual([{ attstorage: "e" }]);
  });

  it("keeps candidate embeddings in the row, uncompressed (the search reads every element)", async () => {
    const r = await client.query(
      `SELECT attstorage FROM pg_attribute WHERE attrelid = '"CandidateEmbedding"'::regclass AND attname = 'embedding'`,
    );
    expect(r.rows).toEqual([{ attstorage: "p" }]);
  });

  it("the committed Prisma client was generated from the current schema.prisma", () => {
    const generated = readFileSync(new URL("../src/db/generated/internal/class.ts", import.meta.url), "utf8");
    const inline = /"inlineSchema": (".*"),\n/.exec(generated)?.[1];
    expect(inline, "run: PRISMA_SCHEMA_ENGINE_BINARY=/bin/false npx prisma generate").toBeDefined();
    expect(JSON.parse(inline!)).toBe(SCHEMA);
  });
});

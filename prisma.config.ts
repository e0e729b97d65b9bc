import { defineConfig } from "prisma/config";

// The Prisma CLI reads this; the API itself connects through @prisma/adapter-pg and applies migrations
// with its own migrator (apps/api/src/db/migrate.ts), so DATABASE_URL is only needed for CLI commands.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tessera" },
});

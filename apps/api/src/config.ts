/** The API's environment, validated once at boot with readable messages. */
import { fileURLToPath } from "node:url";
import { z } from "zod";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: z.url().optional(),
  TESSERA_DATA_DIR: z.string().min(1).default(`${REPO_ROOT}.tessera`),
  TESSERA_MODEL_DIR: z.string().min(1).default(`${REPO_ROOT}models/tessera-tiny`),
  REDIS_URL: z.url().optional(),
  TESSERA_EP: z.string().default("cpu"),
  TESSERA_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  TESSERA_SECRET: z.string().min(16, "TESSERA_SECRET must be at least 16 characters").optional(),
  TESSERA_INTROSPECTION: bool.optional(),
  NODE_ENV: z.string().default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Config = z.infer<typeof Env> & { introspection: boolean };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  const c = parsed.data;
  return { ...c, introspection: c.TESSERA_INTROSPECTION ?? c.NODE_ENV !== "production" };
}

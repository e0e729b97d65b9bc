/** The API's environment, validated once at boot with readable messages. */
import { fileURLToPath } from "node:url";
import { DEFAULT_BUNDLE_NAME, LIMITS } from "@tessera/shared";
import { z } from "zod";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: z.url().optional(),
  TESSERA_DATA_DIR: z.string().min(1).default(`${REPO_ROOT}.tessera`),
  TESSERA_MODEL_DIR: z.string().min(1).default(`${REPO_ROOT}models/${DEFAULT_BUNDLE_NAME}`),
  /** Set: scaled out — jobs, events, activity, rate limits and Yjs fan-out go through this Redis. */
  REDIS_URL: z.url().optional(),
  /** Namespace of every Redis key and channel (several deployments or tests can share one Redis). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, "REDIS_PREFIX: letters, digits, _ . - (at most 64)")
    .default("tessera"),
  /** Runner process: generations one process runs at once (they share its batch). */
  TESSERA_RUNNER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** Runner process: serve /healthz and /metrics (Prometheus) on this port; unset = no HTTP. */
  TESSERA_RUNNER_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /**
   * Runner process: the URL API nodes reach that port at, to have search texts embedded (announced in Redis).
   * Unset: http://HOST:port, with this machine's hostname when HOST listens on every interface.
   */
  TESSERA_RUNNER_URL: z.url().optional(),
  /** Runner job lock: a runner that stops renewing it (killed) loses its job after this long. */
  TESSERA_JOB_LOCK_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  /** How often runners look for jobs whose runner died (BullMQ stalled-job check). */
  TESSERA_STALLED_INTERVAL_MS: z.coerce.number().int().min(200).max(600_000).default(15_000),
  /** Scaled out: waiting + running generations across all runners before startGeneration says QUEUE_FULL. */
  TESSERA_MAX_QUEUED: z.coerce.number().int().min(1).max(100_000).default(256),
  TESSERA_EP: z.string().default("cpu"),
  /** In-process queue order: "fair" (round-robin across boards, then people) or "fifo" (the baseline bench:queue compares with). */
  TESSERA_QUEUE_ORDER: z.enum(["fair", "fifo"]).default("fair"),
  TESSERA_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  /** Megabytes all versions of one board may take together; the oldest automatic ones go first. */
  TESSERA_VERSION_MB_PER_BOARD: z.coerce
    .number()
    .min(1)
    .max(16 * 1024)
    .default(LIMITS.versionBytesPerBoardMax / 2 ** 20),
  /** An automatic board version at most this often while a board is edited (minutes; 0 = none). */
  TESSERA_AUTO_VERSION_MINUTES: z.coerce
    .number()
    .min(0)
    .max(7 * 24 * 60)
    .default(60),
  TESSERA_SECRET: z.string().min(16, "TESSERA_SECRET must be at least 16 characters").optional(),
  TESSERA_INTROSPECTION: bool.optional(),
  /**
   * Proxies in front of the API that append to X-Forwarded-For (0: clients connect directly). The client
   * address (per-address limits) is the entry that many hops from the right; never trust the header more.
   */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /**
   * The address people open Tessera at (e.g. https://tessera.example.com): WebSocket upgrades from any other
   * browser origin are refused, and the session cookie is Secure when it is https. Unset: the listening origin.
   */
  PUBLIC_URL: z.url().optional(),
  /** Bearer token a Prometheus scraper presents for /metrics; unset: /metrics answers only loopback. */
  TESSERA_METRICS_TOKEN: z.string().min(16, "TESSERA_METRICS_TOKEN must be at least 16 characters").optional(),
  /** More browser origins allowed to open WebSockets, comma-separated. */
  TESSERA_ALLOWED_ORIGINS: z.string().optional(),
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

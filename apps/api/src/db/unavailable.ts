/**
 * Whether an error means PostgreSQL can't be reached right now (stopped, restarting, connection lost) rather
 * than a bug: such requests answer DATABASE_UNAVAILABLE (503 over plain HTTP) instead of INTERNAL, so
 * clients know to retry. Prisma 7 over @prisma/adapter-pg reports these as P1001/P1017 with the adapter's
 * error kind in `meta`; raw queries and the pool's own errors only carry a message or a PostgreSQL code.
 */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017"]);
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
// 57P01-03: admin shutdown, crash shutdown, cannot connect now (starting up); class 08: connection exception.
const CONNECTION_CODES = /^(57P0[1-3]|08[0-9A-Z]{3}|ECONNREFUSED|ECONNRESET|ETIMEDOUT)$/;
const MESSAGES = /Can't reach database server|Connection terminated|the database system is (starting up|shutting down)/;

interface MaybeDbError {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } };
}

export function isDatabaseUnavailable(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const o = e as MaybeDbError;
    if (typeof o.code === "string" && (PRISMA_CODES.has(o.code) || CONNECTION_CODES.test(o.code))) return true;
    const cause = o.meta?.driverAdapterError?.cause;
    if (typeof cause?.kind === "string" && ADAPTER_KINDS.has(cause.kind)) return true;
    if (typeof cause?.code === "string" && CONNECTION_CODES.test(cause.code)) return true;
    if (typeof o.message === "string" && MESSAGES.test(o.message)) return true;
    e = o.cause;
  }
  return false;
}

/**
 * What a WebSocket is closed with when the database is unavailable: 1013, Try Again Later. graphql-ws
 * clients treat graphql-ws's own 4500 as fatal and Hocuspocus providers show a permission error; both
 * reconnect with back-off after 1013 and get in once PostgreSQL is back.
 */
export const WS_TRY_AGAIN_LATER = 1013;

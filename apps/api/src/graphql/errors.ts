/**
 * Every GraphQL error leaves with a stable `extensions.code` from @tessera/shared. TesseraErrors keep their
 * code and message; errors in the request itself (parse, validation, armor limits, variable coercion) become
 * BAD_USER_INPUT with graphql-js's message and Apollo's code as `reason`; a lost database is
 * DATABASE_UNAVAILABLE; anything else is INTERNAL with a generic message (details go to the log, never to the client).
 */
import { ERROR_CODES, isTesseraError } from "@tessera/shared";
import type { GraphQLFormattedError } from "graphql";
import type { Logger } from "pino";
import { isDatabaseUnavailable } from "../db/unavailable.ts";

const REQUEST_ERRORS = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

function rootCause(error: unknown): unknown {
  let e: unknown = error;
  while (e && typeof e === "object" && "originalError" in e && (e as { originalError?: unknown }).originalError) {
    e = (e as { originalError: unknown }).originalError;
  }
  return e;
}

export function toFormattedError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger?: Logger,
): GraphQLFormattedError {
  const cause = rootCause(error);
  const where = { path: formatted.path, locations: formatted.locations };
  if (isTesseraError(cause)) return { message: cause.message, ...where, extensions: { code: cause.code } };
  const apolloCode = String(formatted.extensions?.code ?? "");
  if (REQUEST_ERRORS.has(apolloCode) || (cause === error && !formatted.path)) {
    return {
      message: formatted.message,
      ...where,
      extensions: { code: "BAD_USER_INPUT", reason: apolloCode || undefined },
    };
  }
  if (isDatabaseUnavailable(cause)) {
    logger?.warn({ err: cause, path: formatted.path }, "database unavailable");
    return { message: ERROR_CODES.DATABASE_UNAVAILABLE, ...where, extensions: { code: "DATABASE_UNAVAILABLE" } };
  }
  logger?.error({ err: cause, path: formatted.path }, "resolver error");
  return { message: ERROR_CODES.INTERNAL, ...where, extensions: { code: "INTERNAL" } };
}

/**
 * GraphQL subscriptions over graphql-ws 6 on `/graphql`. Identity comes from the session cookie on the
 * upgrade request (checked in onConnect); frames are bounded and a connection must initialise quickly.
 */
import type { IncomingMessage } from "node:http";
import { BROKEN_TEXT_MESSAGE, containsBrokenText, LIMITS } from "@tessera/shared";
import type { ValidationRule } from "graphql";
import { type DocumentNode, GraphQLError, type GraphQLSchema, parse, specifiedRules, validate } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import type { Logger } from "pino";
import { type WebSocket, WebSocketServer } from "ws";
import type { Session } from "../auth/index.ts";
import { isDatabaseUnavailable, WS_TRY_AGAIN_LATER } from "../db/unavailable.ts";
import { clientAddress } from "../http/client-address.ts";
import type { Metrics } from "../http/metrics.ts";
import type { Context, Services } from "./context.ts";
import { toFormattedError } from "./errors.ts";
import { subscribeShared } from "./shared-execution.ts";
import { registerFrameTarget } from "./shared-frames.ts";
import { cachingValidator } from "./validation-cache.ts";

/** The server-side WebSocket graphql-ws's `use/ws` adapter puts in each connection's `extra`. */
const socketOf = (extra: unknown): WebSocket => (extra as { socket: WebSocket }).socket;

export function createGraphqlWs(opts: {
  schema: GraphQLSchema;
  services: Services;
  validationRules: ValidationRule[];
  metrics: Metrics;
  logger: Logger;
  /** TRUST_PROXY_HOPS: how the client's address is read (`http/client-address.ts`). */
  trustProxyHops: number;
}) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: LIMITS.wsFrameMaxBytes,
  });
  const callers = new WeakMap<object, { session: Session; clientAddress: string }>();
  const rules = [...specifiedRules, ...opts.validationRules];
  const validateDocument = cachingValidator((doc) => validate(opts.schema, doc, rules));
  const disposer = useServer<Record<string, unknown>, { session?: Session }>(
    {
      schema: opts.schema,
      connectionInitWaitTimeout: 5_000,
      subscribe: subscribeShared,
      onConnect: async (ctx) => {
        const req = (ctx.extra as { request: IncomingMessage }).request;
        const socket = socketOf(ctx.extra);
        let session: Session | null;
        try {
          session = await opts.services.auth.sessionFromHeaders(req.headers);
        } catch (err) {
          // Thrown out of onConnect, graphql-ws would close with 4500, which its clients treat as fatal and
          // never retry. With the database down, 1013 (Try Again Later) makes them reconnect with backoff.
          if (isDatabaseUnavailable(err)) {
            opts.logger.warn({ err }, "graphql-ws connection refused: database unavailable");
            socket.close(WS_TRY_AGAIN_LATER, "The database is unavailable; reconnecting shortly.");
          } else {
            opts.logger.error({ err }, "graphql-ws connection failed");
            socket.close(4500, "Internal server error");
          }
          return false;
        }
        if (!session) {
          // 4401 (not graphql-ws's generic 4403) so clients can tell "sign in again" from "not allowed".
          socket.close(4401, "Unauthenticated");
          return false;
        }
        callers.set(ctx.extra, { session, clientAddress: clientAddress(req, opts.trustProxyHops) });
        opts.metrics.wsConnections.inc();
        return true;
      },
      onDisconnect: (ctx) => {
        if (callers.has(ctx.extra)) opts.metrics.wsConnections.dec();
      },
      context: (ctx, id): Context => {
        const context = { ...opts.services, ...callers.get(ctx.extra)! };
        // Shared subscription results skip graphql-ws's per-message path and go to this socket directly.
        registerFrameTarget(context, { socket: socketOf(ctx.extra), id });
        return context;
      },
      // Parsed and validated here rather than by graphql-ws: its own parse has no token limit, and a syntax
      // error thrown there closed the whole connection (4500). Returned errors answer only this subscription.
      onSubscribe: (_ctx, _id, payload) => {
        if (containsBrokenText(payload)) {
          return [new GraphQLError(BROKEN_TEXT_MESSAGE, { extensions: { code: "BAD_USER_INPUT" } })];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: LIMITS.queryMaxTokens });
        } catch (e) {
          return [e instanceof GraphQLError ? e : new GraphQLError(String(e))];
        }
        const errors = validateDocument(document);
        if (errors.length > 0) return errors;
        opts.metrics.subscriptions.inc();
        return {
          schema: opts.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
        };
      },
      onComplete: () => {
        opts.metrics.subscriptions.dec();
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => toFormattedError(e, e)),
      // Execution errors (e.g. FORBIDDEN from a subscribe resolver) get the same stable codes as over HTTP.
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => toFormattedError(e.toJSON(), e)) } : undefined,
    },
    wss,
  );
  return { wss, close: () => disposer.dispose() };
}

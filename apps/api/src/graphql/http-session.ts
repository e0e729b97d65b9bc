/**
 * Who is calling, for GraphQL over HTTP, looked up only once Apollo has parsed and validated the request.
 *
 * Apollo builds the context before it parses: looking the session up there made every refused request
 * (too deep, too costly, too many tokens, bad syntax) pay a database round trip first — the larger part of
 * what an abusive request cost the server. So the context starts without a session and this plugin's
 * `didResolveOperation` (after validation, before execution) fills it in, sets a new guest's cookie, and
 * answers an invalid cookie with 401 (clearing it) or a lost database with 503.
 */

import type { IncomingHttpHeaders } from "node:http";
import { type ApolloServerPlugin, HeaderMap } from "@apollo/server";
import { isTesseraError } from "@tessera/shared";
import { GraphQLError } from "graphql";
import { type Auth, clearSessionCookieHeader, type Session, sessionCookieHeader } from "../auth/index.ts";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import type { Context, Services } from "./context.ts";

interface Pending {
  headers: IncomingHttpHeaders;
  secure: boolean;
  session?: Session;
  /** A cookie a resolver asked to set (signOutOtherDevices), sent with the response. */
  reissued?: string;
}
const PENDING = Symbol("pending session");

/**
 * A request's context whose `session` the plugin resolves; reading it before then is a bug, and throws.
 * The getter lives on the prototype and the state under a symbol because Apollo copies the context
 * (`Object.assign` onto an object with the same prototype) before running the operation.
 */
class HttpContext {
  [PENDING]: Pending;
  readonly clientAddress: string;
  constructor(services: Services, pending: Pending, clientAddress: string) {
    Object.assign(this, services);
    this[PENDING] = pending;
    this.clientAddress = clientAddress;
  }
  get session(): Session {
    const { session } = this[PENDING];
    if (!session) throw new Error("The session is read before the request was validated.");
    return session;
  }
  setSessionCookie(value: string): void {
    this[PENDING].reissued = value;
  }
}

export function httpContext(
  services: Services,
  headers: IncomingHttpHeaders,
  secure: boolean,
  clientAddress: string,
): Context {
  // Services' fields are copied in by the constructor.
  return new HttpContext(services, { headers, secure }, clientAddress) as unknown as Context;
}

function httpError(status: number, cause: unknown, headers = new HeaderMap()): GraphQLError {
  return new GraphQLError(cause instanceof Error ? cause.message : String(cause), {
    originalError: cause instanceof Error ? cause : undefined,
    extensions: { http: { status, headers } },
  });
}

export function sessionPlugin(auth: Auth): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, response }) {
          if (!(contextValue instanceof HttpContext)) return;
          const state = contextValue[PENDING];
          try {
            const { session, setCookie } = await auth.sessionOrGuest(state.headers);
            state.session = session;
            if (setCookie) response.http.headers.set("set-cookie", sessionCookieHeader(setCookie, state.secure));
          } catch (err) {
            // Cleared, so the next request starts a fresh guest instead of failing forever.
            if (isTesseraError(err) && err.code === "UNAUTHENTICATED")
              throw httpError(401, err, new HeaderMap([["set-cookie", clearSessionCookieHeader()]]));
            if (isDatabaseUnavailable(err)) throw httpError(503, err);
            throw err;
          }
        },
        async willSendResponse({ contextValue, response }) {
          if (!(contextValue instanceof HttpContext)) return;
          const state = contextValue[PENDING];
          if (state.reissued)
            response.http.headers.set("set-cookie", sessionCookieHeader(state.reissued, state.secure));
        },
      };
    },
  };
}

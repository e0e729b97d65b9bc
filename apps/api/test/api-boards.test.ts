/** Boards, identity, share links, permissions and bad input against a real server and PostgreSQL. */
import { LIMITS } from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client as C, Client, startTestApi } from "./api-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let api: Awaited<ReturnType<typeof startTestApi>>;
let owner: C;
let viewer: C;
let stranger: C;
let boardId: string;

beforeAll(async () => {
  db = await scratchDatabase();
  api = await startTestApi({ databaseUrl: db.url }, { engine: null });
  owner = new Client(api.url);
  viewer = new Client(api.url);
  stranger = new Client(api.url);
  await Promise.all([owner.ok("{ me { id } }"), viewer.ok("{ me { id } }"), stranger.ok("{ me { id } }")]);
}, 60_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe("identity and boards", () => {
  it("gives each guest a signed HTTP-only cookie and a name they can change", async () => {
    expect(owner.cookie).toMatch(/^tessera_session=/);
    const me = await owner.ok<{ setDisplayName: { displayName: string } }>(
      `mutation { setDisplayName(name: "  Ada  ") { displayName } }`,
    );
    expect(me.setDisplayName.displayName).toBe("Ada");
    const forged = new Client(api.url);
    forged.cookie = `${owner.cookie!.slice(0, -3)}abc`;
    const r = await forged.gql("{ me { id } }");
    expect(r.status).toBe(401);
    expect(forged.code(r)).toBe("UNAUTHENTICATED");
    // The bad cookie was cleared: the next request is a fresh guest, never the owner.
    expect(forged.cookie).toBe("tessera_session=");
    forged.cookie = null;
    const fresh = await forged.ok<{ me: { id: string } }>("{ me { id } }");
    const real = await owner.ok<{ me: { id: string } }>("{ me { id } }");
    expect(fresh.me.id).not.toBe(real.me.id);
  });

  it("creates, renames, lists and reads boards", async () => {
    const c = await owner.ok<{ createBoard: { id: string; myRole: string } }>(
      `mutation { createBoard(name: "Sprint ideas") { id myRole } }`,
    );
    boardId = c.createBoard.id;
    expect(c.createBoard.myRole).toBe("OWNER");
    await owner.ok(`mutation($id: ID!) { renameBoard(id: $id, name: "Renamed") { id } }`, { id: boardId });
    const list = await owner.ok<{ boards: { name: string; members: { role: string }[] }[] }>(
      "{ boards { name members { role } } }",
    );
    expect(list.boards).toEqual([{ name: "Renamed", members: [{ role: "OWNER" }] }]);
    expect(
      (await stranger.ok<{ board: unknown }>(`query($id: ID!) { board(id: $id) { id } }`, { id: boardId })).board,
    ).toBeNull();
  });

  it("share links carry a role, never downgrade, and can be revoked", async () => {
    const link = await owner.ok<{ createShareLink: { id: string; token: string } }>(
      `mutation($b: ID!) { createShareLink(boardId: $b, role: VIEWER) { id token } }`,
      { b: boardId },
    );
    const joined = await viewer.ok<{ joinBoard: { role: string } }>(
      `mutation($t: String!) { joinBoard(token: $t) { role } }`,
      {
        t: link.createShareLink.token,
      },
    );
    expect(joined.joinBoard.role).toBe("VIEWER");
    const ownerJoin = await owner.ok<{ joinBoard: { role: string } }>(
      `mutation($t: String!) { joinBoard(token: $t) { role } }`,
      {
        t: link.createShareLink.token,
      },
    );
    expect(ownerJoin.joinBoard.role).toBe("OWNER");
    // Viewers can't see share links or create them.
    const seen = await viewer.ok<{ board: { shareLinks: unknown[] } }>(
      `query($id: ID!) { board(id: $id) { shareLinks { id } } }`,
      {
        id: boardId,
      },
    );
    expect(seen.board.shareLinks).toEqual([]);
    const denied = await viewer.gql(`mutation($b: ID!) { createShareLink(boardId: $b, role: OWNER) { id } }`, {
      b: boardId,
    });
    expect(viewer.code(denied)).toBe("FORBIDDEN");
    await owner.ok(`mutation($id: ID!) { revokeShareLink(id: $id) { revokedAt } }`, { id: link.createShareLink.id });
    const late = await stranger.gql(`mutation($t: String!) { joinBoard(token: $t) { role } }`, {
      t: link.createShareLink.token,
    });
    expect(stranger.code(late)).toBe("NOT_FOUND");
  });

  it("limits the share links one person creates an hour (revoked ones stay on record)", async () => {
    const maker = new Client(api.url);
    const board = (await maker.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "links") { id } }`))
      .createBoard.id;
    const create = () =>
      maker.gql(`mutation($b: ID!) { createShareLink(boardId: $b, role: VIEWER) { id } }`, { b: board });
    for (let n = 0; n < LIMITS.shareLinksPerUserPerHour; n++) expect((await create()).errors).toBeUndefined();
    const refused = await create();
    expect(maker.code(refused)).toBe("RATE_LIMITED");
    expect(refused.errors?.[0]?.message).toMatch(/share links an hour\. Reuse a link/);
  });

  it("enforces roles in every mutation", async () => {
    const rename = await viewer.gql(`mutation($id: ID!) { renameBoard(id: $id, name: "x") { id } }`, { id: boardId });
    expect(viewer.code(rename)).toBe("FORBIDDEN");
    const start = await viewer.gql(
      `mutation($b: ID!) { startGeneration(boardId: $b, cardId: "c1", prompt: "a red circle", n: 1) { id } }`,
      { b: boardId },
    );
    expect(viewer.code(start)).toBe("FORBIDDEN");
    const del = await stranger.gql(`mutation($id: ID!) { deleteBoard(id: $id) }`, { id: boardId });
    expect(stranger.code(del)).toBe("NOT_FOUND");
    const vote = await viewer.gql(`mutation { castVote(candidateId: "nope") { id } }`);
    expect(viewer.code(vote)).toBe("NOT_FOUND");
  });
});

describe("bad input never crashes and always carries a stable code", () => {
  it("validates names and generation input with readable messages", async () => {
    const long = await owner.gql(`mutation($n: String!) { createBoard(name: $n) { id } }`, { n: "x".repeat(500) });
    expect(owner.code(long)).toBe("BAD_USER_INPUT");
    expect(long.errors?.[0]?.message).toMatch(/limited to 80/);
    const noRunner = await owner.gql(
      `mutation($b: ID!) { startGeneration(boardId: $b, cardId: "c1", prompt: "a red circle", n: 1) { id } }`,
      { b: boardId },
    );
    expect(owner.code(noRunner)).toBe("RUNNER_UNAVAILABLE");
  });

  it("limits depth and aliases, and rejects malformed requests", async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: me { id }`).join(" ");
    expect(owner.code(await owner.gql(`{ ${aliases} }`))).toBe("BAD_USER_INPUT");
    const deep = `{ boards { generations { candidates { id } createdBy { id } } members { user { id } } } }`;
    expect((await owner.gql(deep)).status).toBe(200);
    expect(owner.code(await owner.gql("{ me { id "))).toBe("BAD_USER_INPUT");
    expect(owner.code(await owner.gql("{ nope }"))).toBe("BAD_USER_INPUT");
    const raw = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(raw.status).toBe(400);
    const big = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ me { id } }`, pad: "x".repeat(400_000) }),
    });
    expect(big.status).toBe(413);
    // CSRF: a simple cross-site form post is refused before execution.
    const csrf = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "text/plain", cookie: owner.cookie! },
      body: JSON.stringify({ query: `mutation { createBoard(name: "csrf") { id } }` }),
    });
    expect(csrf.status).toBe(400);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });

  it("serves health, readiness and metrics", async () => {
    expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
    const m = await (await fetch(`${api.url}/metrics`)).text();
    expect(m).toContain("tessera_http_requests_total");
    expect(m).toContain("tessera_generation_queue_depth");
  });
});

/**
 * Guests cost no database row until their first write: anonymous reads and page loads, however many,
 * leave the User table as it was; the first board, join or name creates exactly one row, even when raced.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateLimiter } from "../src/generation/rate-limit.ts";
import { Client, startTestApi } from "./api-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let api: Awaited<ReturnType<typeof startTestApi>>;

beforeAll(async () => {
  db = await scratchDatabase();
  api = await startTestApi(
    { databaseUrl: db.url },
    { engine: null, fallback: (_req, res) => void res.writeHead(200, { "content-type": "text/html" }).end("page") },
  );
}, 60_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}
const userRows = async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "User"`))[0]!.n);
const pageGet = (cookie?: string) => fetch(`${api.url}/b/some-board`, { headers: cookie ? { cookie } : {} });

describe("guest identities", () => {
  it("anonymous reads and page loads get a cookie and write no row", async () => {
    const before = await userRows();
    const guests = Array.from({ length: 20 }, () => new Client(api.url));
    const mes = await Promise.all(guests.map((g) => g.ok<{ me: { id: string } }>("{ me { id } boards { id } }")));
    expect(new Set(mes.map((m) => m.me.id)).size).toBe(20);
    expect(guests.every((g) => g.cookie?.startsWith("tessera_session="))).toBe(true);
    const pages = await Promise.all(Array.from({ length: 20 }, () => pageGet()));
    expect(pages.every((p) => p.status === 200 && p.headers.get("set-cookie")?.includes("tessera_session="))).toBe(
      true,
    );
    expect(await userRows()).toBe(before);
  });

  it("a page load's cookie is a working identity, a valid one is left alone and a forged one is cleared", async () => {
    const cookie = (await pageGet()).headers.get("set-cookie")!.split(";")[0]!;
    const guest = new Client(api.url);
    guest.cookie = cookie;
    const first = await guest.ok<{ me: { id: string; displayName: string } }>("{ me { id displayName } }");
    const again = await guest.ok<{ me: { id: string; displayName: string } }>("{ me { id displayName } }");
    // Same id and same default name on every request, though no row holds them yet.
    expect(again).toEqual(first);
    expect(first.me.displayName).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    expect((await pageGet(cookie)).headers.get("set-cookie")).toBeNull();
    const forged = await pageGet(`${cookie.slice(0, -3)}abc`);
    expect(forged.headers.get("set-cookie")).toMatch(/^tessera_session=;.*Max-Age=0/);
  });

  it("the first write creates exactly one row, with the name the guest was shown, even when raced", async () => {
    const guest = new Client(api.url);
    const { me } = await guest.ok<{ me: { id: string; displayName: string } }>("{ me { id displayName } }");
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        guest.ok<{ createBoard: { id: string } }>(`mutation($n: String!) { createBoard(name: $n) { id } }`, {
          n: `Board ${i}`,
        }),
      ),
    );
    expect(created).toHaveLength(10);
    expect(await sql(`SELECT id, "displayName" FROM "User" WHERE id = $1`, [me.id])).toEqual([
      { id: me.id, displayName: me.displayName },
    ]);
    const { boards } = await guest.ok<{ boards: { members: { user: { displayName: string } }[] }[] }>(
      "{ boards { members { user { displayName } } } }",
    );
    expect(boards).toHaveLength(10);
    expect(boards.every((b) => b.members[0]!.user.displayName === me.displayName)).toBe(true);
  });

  it("a chosen name or a joined share link is a first write too", async () => {
    const named = new Client(api.url);
    const set = await named.ok<{ setDisplayName: { id: string; displayName: string } }>(
      `mutation { setDisplayName(name: "Grace") { id displayName } }`,
    );
    expect(set.setDisplayName.displayName).toBe("Grace");
    expect((await named.ok<{ me: { displayName: string } }>("{ me { displayName } }")).me.displayName).toBe("Grace");
    expect(await sql(`SELECT "displayName" FROM "User" WHERE id = $1`, [set.setDisplayName.id])).toEqual([
      { displayName: "Grace" },
    ]);

    const owner = new Client(api.url);
    const { createBoard } = await owner.ok<{ createBoard: { id: string } }>(
      `mutation { createBoard(name: "B") { id } }`,
    );
    const { createShareLink } = await owner.ok<{ createShareLink: { token: string } }>(
      `mutation($b: ID!) { createShareLink(boardId: $b, role: EDITOR) { token } }`,
      { b: createBoard.id },
    );
    const joiner = new Client(api.url);
    const { me } = await joiner.ok<{ me: { id: string; displayName: string } }>("{ me { id displayName } }");
    await joiner.ok(`mutation($t: String!) { joinBoard(token: $t) { role } }`, { t: createShareLink.token });
    const { board } = await owner.ok<{
      board: { members: { role: string; user: { id: string; displayName: string } }[] };
    }>(`query($b: ID!) { board(id: $b) { members { role user { id displayName } } } }`, { b: createBoard.id });
    expect(board.members).toContainEqual({ role: "EDITOR", user: { id: me.id, displayName: me.displayName } });
  });
});

describe("write budgets", () => {
  /** A server with small budgets, optionally behind `hops` trusted proxies. */
  const budgeted = (hops: number) =>
    startTestApi(
      { databaseUrl: db.url, vars: { TRUST_PROXY_HOPS: String(hops) } },
      {
        engine: null,
        writeLimits: { newUsers: new RateLimiter(3, 3_600_000), boards: new RateLimiter(2, 3_600_000) },
      },
    );
  const createBoard = (c: Client) =>
    c.gql<{ createBoard: { id: string } }>(`mutation { createBoard(name: "b") { id } }`);

  it("limits new users per address and boards per user, with a message a person understands", async () => {
    const server = await budgeted(0);
    try {
      const before = await userRows();
      const guests = Array.from({ length: 4 }, () => new Client(server.url));
      const first = [];
      for (const g of guests) first.push(await createBoard(g));
      expect(first.slice(0, 3).every((r) => r.data?.createBoard.id)).toBe(true);
      expect(guests[3]!.code(first[3]!)).toBe("RATE_LIMITED");
      expect(first[3]!.errors![0]!.message).toMatch(/new guests from your network/);
      expect(await userRows()).toBe(before + 3);
      // The refused guest can still read; a known user's next board doesn't count as a new user.
      expect((await guests[3]!.ok<{ me: { id: string } }>("{ me { id } }")).me.id).toBeTruthy();
      expect((await createBoard(guests[0]!)).data?.createBoard.id).toBeTruthy();
      const third = await createBoard(guests[0]!);
      expect(guests[0]!.code(third)).toBe("RATE_LIMITED");
      expect(third.errors![0]!.message).toMatch(/boards an hour/);
    } finally {
      await server.close();
    }
  });

  it("behind a trusted proxy, counts each client's forwarded address, not the proxy's", async () => {
    const server = await budgeted(1);
    try {
      const from = (address: string) =>
        fetch(`${server.url}/graphql`, {
          method: "POST",
          // The client may claim anything on the left; the trusted proxy appends what it saw.
          headers: { "content-type": "application/json", "x-forwarded-for": `9.9.9.9, ${address}` },
          body: JSON.stringify({ query: `mutation { createBoard(name: "b") { id } }` }),
        }).then((r) => r.json() as Promise<{ errors?: { extensions: { code: string } }[] }>);
      const a = await Promise.all([1, 2, 3, 4].map(() => from("203.0.113.1")));
      const b = await from("203.0.113.2");
      expect(a.map((r) => r.errors?.[0]?.extensions.code ?? "ok")).toEqual(["ok", "ok", "ok", "RATE_LIMITED"]);
      expect(b.errors).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});

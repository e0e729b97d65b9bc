/**
 * What one editor can make a board keep in versions (issue 19's malicious collaborator with a valid editor
 * link): every version of a board together stays within its bytes (`TESSERA_VERSION_MB_PER_BOARD`, 1 MB
 * here) — a named one past it is refused with a reason and nothing stored; automatic and pre-restore copies
 * are dropped oldest first, the newest (a restore's undo) always kept — and version writes are rate-limited
 * per person.
 */
import { createCard, LIMITS } from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateLimiter } from "../src/generation/rate-limit.ts";
import { boardProvider, Client, joinBoard, startTestApi } from "./api-harness.ts";
import { waitFor } from "./collab-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let api: Awaited<ReturnType<typeof startTestApi>>;
let owner: Client;
let boardId: string;
const WRITES_PER_HOUR = 12;

interface Version {
  id: string;
  kind: string;
  name: string | null;
  bytes: number;
}
const list = async () =>
  (
    await owner.ok<{ boardVersions: Version[] }>(
      `query($b: ID!) { boardVersions(boardId: $b) { id kind name bytes } }`,
      {
        b: boardId,
      },
    )
  ).boardVersions;
const save = (c: Client, name: string) =>
  c.gql<{ saveBoardVersion: Version }>(
    `mutation($b: ID!, $n: String!) { saveBoardVersion(boardId: $b, name: $n) { id kind name bytes } }`,
    { b: boardId, n: name },
  );
const restore = (c: Client, id: string) =>
  c.gql(`mutation($id: ID!) { restoreBoardVersion(id: $id) { backup { id } } }`, { id });

beforeAll(async () => {
  db = await scratchDatabase("tessera_version_bounds");
  api = await startTestApi(
    { databaseUrl: db.url, vars: { TESSERA_VERSION_MB_PER_BOARD: "1", TESSERA_AUTO_VERSION_MINUTES: "0" } },
    { engine: null, writeLimits: { versions: new RateLimiter(WRITES_PER_HOUR, 3_600_000) } },
  );
  owner = new Client(api.url);
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "big") { id } }`))
    .createBoard.id;
  // ~250 kB of notes: three named versions fit in 1 MB, a fourth does not.
  const o = boardProvider(api.url, owner.cookie, boardId);
  try {
    await waitFor(() => o.p.isSynced, 10_000, "sync");
    for (let batch = 0; batch < 4; batch++) {
      o.doc.transact(() => {
        for (let i = 0; i < 50; i++) {
          const n = batch * 50 + i;
          createCard(o.doc, { id: `n${n}`, kind: "note", x: n * 10, y: 0, text: `${n} `.padEnd(1200, "x") });
        }
      });
    }
    await waitFor(() => o.p.isSynced && !o.p.hasUnsyncedChanges, 20_000, "ack");
  } finally {
    o.destroy();
  }
}, 60_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe("board version bounds", () => {
  it("keeps a board's versions within its bytes: named ones refused past it, copies dropped oldest first", async () => {
    const saved: Version[] = [];
    for (const name of ["one", "two", "three"]) {
      const r = await save(owner, name);
      expect(r.errors).toBeUndefined();
      saved.push(r.data!.saveBoardVersion);
    }
    expect(saved[0]!.bytes).toBeGreaterThan(240_000);
    expect(saved[0]!.bytes).toBeLessThan(1_048_576 / 3);

    const refused = await save(owner, "four");
    expect(owner.code(refused)).toBe("BAD_USER_INPUT");
    expect(refused.errors![0]!.message).toMatch(
      /named versions take 0\.\d MB of the 1\.0 MB .* delete an old one first/,
    );
    expect((await list()).map((v) => v.name)).toEqual(["three", "two", "one"]);

    // Each restore keeps the board as it was first; the copies don't fit beside three named versions, so
    // only the newest (the latest restore's undo) stays.
    expect((await restore(owner, saved[0]!.id)).errors).toBeUndefined();
    const first = await list();
    expect(first.filter((v) => v.kind === "BEFORE_RESTORE")).toHaveLength(1);
    expect((await restore(owner, saved[1]!.id)).errors).toBeUndefined();
    const after = await list();
    const copies = after.filter((v) => v.kind === "BEFORE_RESTORE");
    expect(copies).toHaveLength(1);
    expect(copies[0]!.id).not.toBe(first.find((v) => v.kind === "BEFORE_RESTORE")!.id);
    expect(after.filter((v) => v.kind === "NAMED")).toHaveLength(3);

    // Naming the copy would take room the named ones don't have either.
    const rename = await owner.gql(`mutation($id: ID!) { renameBoardVersion(id: $id, name: "keep") { id } }`, {
      id: copies[0]!.id,
    });
    expect(owner.code(rename)).toBe("BAD_USER_INPUT");

    // Deleting one makes room.
    expect(
      (await owner.gql(`mutation($id: ID!) { deleteBoardVersion(id: $id) }`, { id: saved[0]!.id })).errors,
    ).toBeUndefined();
    expect((await save(owner, "four")).errors).toBeUndefined();
  }, 60_000);

  it("limits one person's version writes an hour, with a readable refusal", async () => {
    const editor = new Client(api.url);
    await joinBoard(owner, editor, boardId, "EDITOR", "Eve");
    const [target] = await list();
    const rename = (n: number) =>
      editor.gql(`mutation($id: ID!, $n: String!) { renameBoardVersion(id: $id, name: $n) { id } }`, {
        id: target!.id,
        n: `name ${n}`,
      });
    for (let n = 0; n < WRITES_PER_HOUR; n++) expect((await rename(n)).errors).toBeUndefined();
    const refused = await rename(WRITES_PER_HOUR);
    expect(editor.code(refused)).toBe("RATE_LIMITED");
    expect(refused.errors![0]!.message).toContain(`${LIMITS.versionWritesPerUserPerHour} times an hour`);
    // Someone else's budget is their own.
    expect(
      (
        await owner.gql(`mutation($id: ID!) { renameBoardVersion(id: $id, name: "the owner's") { id } }`, {
          id: target!.id,
        })
      ).errors,
    ).toBeUndefined();
  }, 30_000);
});

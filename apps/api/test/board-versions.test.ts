/**
 * Issue 18 item 4 against the real server (PostgreSQL, Hocuspocus, graphql-ws): named versions, automatic
 * ones while a board is edited, browsing a version's state, and a restore that two connected Yjs clients
 * receive at once as one change and that anyone on the board can undo (the board as it was is kept first).
 */
import {
  boardContent,
  cardsMap,
  cardText,
  createCard,
  deleteCard,
  LIMITS,
  readCard,
  versionDoc,
} from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateLimiter } from "../src/generation/rate-limit.ts";
import { type BoardProvider, boardProvider, Client, joinBoard, startTestApi } from "./api-harness.ts";
import { waitFor } from "./collab-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let api: Awaited<ReturnType<typeof startTestApi>>;
let owner: Client;
let editor: Client;
let viewer: Client;
let stranger: Client;
let boardId: string;

/** Automatic versions at most every 5 s here (an hour by default), so the test sees the interval at work. */
const AUTO_MS = 5000;

const join = (c: Client, role: "EDITOR" | "VIEWER", name: string) => joinBoard(owner, c, boardId, role, name);

const provider = (cookie: string | null, board = boardId) => boardProvider(api.url, cookie, board);
type P = BoardProvider;
const synced = (x: P) => waitFor(() => x.p.isSynced, 10_000, "sync");
const acked = (x: P) => waitFor(() => x.p.isSynced && !x.p.hasUnsyncedChanges, 10_000, "ack");

interface Version {
  id: string;
  kind: string;
  name: string | null;
  cardCount: number;
  bytes: number;
  createdBy: { displayName: string } | null;
  restoredFrom: { id: string } | null;
}
const FIELDS = `id kind name cardCount bytes createdBy { displayName } restoredFrom { id }`;
const list = async (c: Client, board = boardId) =>
  (
    await c.ok<{ boardVersions: Version[] }>(`query($b: ID!) { boardVersions(boardId: $b) { ${FIELDS} } }`, {
      b: board,
    })
  ).boardVersions;
const save = (c: Client, name: string, board = boardId) =>
  c.gql<{ saveBoardVersion: Version }>(
    `mutation($b: ID!, $n: String!) { saveBoardVersion(boardId: $b, name: $n) { ${FIELDS} } }`,
    {
      b: board,
      n: name,
    },
  );
const RESTORE = `mutation($id: ID!) { restoreBoardVersion(id: $id) {
  restored { id } backup { ${FIELDS} } cardsAdded cardsRemoved cardsChanged } }`;
type Restored = {
  restoreBoardVersion: {
    restored: { id: string };
    backup: Version;
    cardsAdded: number;
    cardsRemoved: number;
    cardsChanged: number;
  };
};
const stateOf = async (c: Client, id: string) => {
  const r = await c.ok<{ boardVersion: { state: string } | null }>(
    `query($id: ID!) { boardVersion(id: $id) { state } }`,
    {
      id,
    },
  );
  return versionDoc(Buffer.from(r.boardVersion!.state, "base64"));
};

beforeAll(async () => {
  db = await scratchDatabase("tessera_versions");
  api = await startTestApi(
    { databaseUrl: db.url, vars: { TESSERA_AUTO_VERSION_MINUTES: String(AUTO_MS / 60_000) } },
    // Versions need no model; the count bounds below take more version writes than a person's hourly budget.
    { engine: null, writeLimits: { versions: new RateLimiter(10_000, 3_600_000) } },
  );
  [owner, editor, viewer, stranger] = [0, 1, 2, 3].map(() => new Client(api.url)) as [Client, Client, Client, Client];
  await owner.ok(`mutation { setDisplayName(name: "Olive") { id } }`);
  await stranger.ok(`mutation { setDisplayName(name: "Mallory") { id } }`);
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "v") { id } }`)).createBoard
    .id;
  await join(editor, "EDITOR", "Eve");
  await join(viewer, "VIEWER", "Vic");
}, 60_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe("board versions", () => {
  it("a restore reaches two connected clients at once as one change, survives a reconnect, and anyone can undo it", async () => {
    const o = provider(owner.cookie);
    const e = provider(editor.cookie);
    await Promise.all([synced(o), synced(e)]);
    createCard(o.doc, { id: "apple", kind: "prompt", x: 0, y: 0, text: "a red apple" });
    createCard(o.doc, { id: "moon", kind: "note", x: 400, y: 0, text: "a full moon" });
    await acked(o);
    await waitFor(() => cardsMap(e.doc).size === 2, 10_000, "editor sees the cards");

    const v1 = (await save(editor, "  Morning ideas ")).data!.saveBoardVersion;
    expect(v1).toMatchObject({ kind: "NAMED", name: "Morning ideas", cardCount: 2, createdBy: { displayName: "Eve" } });
    const atSave = boardContent(o.doc);

    // Work after the version, from both sides.
    cardText(e.doc, "apple").insert(0, "a big ");
    deleteCard(e.doc, "moon");
    createCard(o.doc, { id: "rocket", kind: "prompt", x: 0, y: 400, text: "a rocket" });
    await Promise.all([acked(o), acked(e)]);
    await waitFor(() => cardsMap(o.doc).size === 2 && cardsMap(e.doc).has("rocket"), 10_000, "edits merged");
    const beforeRestore = boardContent(o.doc);

    // Browsing: the version's state is the board as it was when saved, whatever happened since.
    expect(boardContent(await stateOf(viewer, v1.id))).toEqual(atSave);

    const activity: {
      kind: string;
      versionId: string | null;
      backupVersionId: string | null;
      byName: string | null;
      versionName: string | null;
      versionKind: string | null;
    }[] = [];
    const ws = owner.ws();
    const stop = ws.subscribe<{ boardActivity: (typeof activity)[number] }>(
      {
        query: `subscription($b: ID!) { boardActivity(boardId: $b) { kind versionId backupVersionId byName versionName versionKind } }`,
        variables: { b: boardId },
      },
      { next: (v) => v.data && activity.push(v.data.boardActivity), error: () => {}, complete: () => {} },
    );
    await new Promise((r) => setTimeout(r, 300));

    const updates = { o: 0, e: 0 };
    o.doc.on("update", () => updates.o++);
    e.doc.on("update", () => updates.e++);
    const r = (await editor.ok<Restored>(RESTORE, { id: v1.id })).restoreBoardVersion;
    expect(r).toMatchObject({ restored: { id: v1.id }, cardsAdded: 1, cardsRemoved: 1, cardsChanged: 1 });
    expect(r.backup).toMatchObject({ kind: "BEFORE_RESTORE", cardCount: 2, restoredFrom: { id: v1.id } });
    await waitFor(
      () =>
        JSON.stringify(boardContent(o.doc)) === JSON.stringify(atSave) &&
        JSON.stringify(boardContent(e.doc)) === JSON.stringify(atSave),
      10_000,
      "both clients show the version",
    );
    expect(updates).toEqual({ o: 1, e: 1 }); // one change, not one per card
    expect(readCard(o.doc, "apple")?.text).toBe("a red apple");
    await waitFor(() => activity.some((a) => a.kind === "BOARD_RESTORED"), 5000, "restore activity");
    expect(activity.find((a) => a.kind === "BOARD_RESTORED")).toEqual({
      kind: "BOARD_RESTORED",
      versionId: v1.id,
      backupVersionId: r.backup.id,
      byName: "Eve",
      versionName: "Morning ideas",
      versionKind: "NAMED",
    });
    // Nothing lost: the copy kept before the restore is the board as it was.
    expect(boardContent(await stateOf(owner, r.backup.id))).toEqual(beforeRestore);

    // Stored, not just broadcast: a client connecting afresh gets the restored board.
    o.destroy();
    const again = provider(owner.cookie);
    await synced(again);
    expect(boardContent(again.doc)).toEqual(atSave);

    // Undo, by the owner (not who restored): restoring the copy brings back the edits, live for the editor too.
    const undo = (await owner.ok<Restored>(RESTORE, { id: r.backup.id })).restoreBoardVersion;
    expect(undo.backup.restoredFrom?.id).toBe(r.backup.id);
    await waitFor(() => JSON.stringify(boardContent(e.doc)) === JSON.stringify(beforeRestore), 10_000, "undone live");
    expect(boardContent(again.doc)).toEqual(beforeRestore);
    expect(readCard(e.doc, "apple")?.text).toBe("a big a red apple");
    stop();
    await ws.dispose();
    again.destroy();
    e.destroy();
  }, 60_000);

  it("takes automatic versions while the board is edited, at most one per interval", async () => {
    const board = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "auto") { id } }`))
      .createBoard.id;
    const o = provider(owner.cookie, board);
    await synced(o);
    createCard(o.doc, { id: "one", kind: "note", x: 0, y: 0, text: "first" });
    await acked(o);
    // Stored on the debounce (2 s), then the first automatic version.
    await waitFor(
      async () => (await list(owner, board)).some((v) => v.kind === "AUTOMATIC"),
      15_000,
      "first automatic",
    );
    const first = await list(owner, board);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ kind: "AUTOMATIC", name: null, cardCount: 1, createdBy: null });

    // Edited again within the interval: stored (on the 2 s debounce), but no second version.
    const firstAt = Date.now();
    createCard(o.doc, { id: "two", kind: "note", x: 0, y: 200, text: "second" });
    await acked(o);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await list(owner, board)).toHaveLength(1);
    // Edited after the interval: one more.
    await new Promise((r) => setTimeout(r, Math.max(0, firstAt + AUTO_MS - Date.now())));
    createCard(o.doc, { id: "three", kind: "note", x: 0, y: 400, text: "third" });
    await acked(o);
    await waitFor(async () => (await list(owner, board)).length === 2, 15_000, "second automatic after the interval");
    expect((await list(owner, board)).map((v) => v.cardCount)).toEqual([3, 1]); // newest first
    o.destroy();
  }, 60_000);

  it("lets members browse, editors save and restore, and keeps strangers out", async () => {
    const v = (await save(owner, "by the owner")).data!.saveBoardVersion;
    // Viewers browse but don't write.
    expect((await list(viewer)).some((x) => x.id === v.id)).toBe(true);
    expect(viewer.code(await save(viewer, "mine"))).toBe("FORBIDDEN");
    expect(viewer.code(await viewer.gql(RESTORE, { id: v.id }))).toBe("FORBIDDEN");
    // Strangers learn nothing: not found, or null.
    expect(
      stranger.code(await stranger.gql(`query($b: ID!) { boardVersions(boardId: $b) { id } }`, { b: boardId })),
    ).toBe("NOT_FOUND");
    expect(
      (await stranger.ok(`query($id: ID!) { boardVersion(id: $id) { id state } }`, { id: v.id })).boardVersion,
    ).toBeNull();
    expect(stranger.code(await stranger.gql(RESTORE, { id: v.id }))).toBe("NOT_FOUND");
    expect(stranger.code(await save(stranger, "x"))).toBe("NOT_FOUND");
    // Names are checked at the boundary with a readable message.
    const empty = await save(editor, "   ");
    expect(editor.code(empty)).toBe("BAD_USER_INPUT");
    expect(empty.errors?.[0]?.message).toMatch(/empty/);
    expect(editor.code(await save(editor, "x".repeat(LIMITS.versionNameMaxChars + 1)))).toBe("BAD_USER_INPUT");

    // Deleting: the author or the owner; an editor can't delete someone else's or an automatic one.
    const del = (c: Client, id: string) => c.gql(`mutation($id: ID!) { deleteBoardVersion(id: $id) }`, { id });
    const mine = (await save(editor, "Eve's")).data!.saveBoardVersion;
    const r = await del(editor, v.id);
    expect(editor.code(r)).toBe("FORBIDDEN");
    expect(r.errors?.[0]?.message).toMatch(/whoever saved/);
    const backup = (await list(owner)).find((x) => x.kind === "BEFORE_RESTORE")!;
    expect(editor.code(await del(editor, backup.id))).toBe("FORBIDDEN");
    expect((await del(editor, mine.id)).data).toEqual({ deleteBoardVersion: true });
    expect((await del(owner, v.id)).data).toEqual({ deleteBoardVersion: true });
    expect((await list(owner)).map((x) => x.id)).not.toContain(v.id);

    // Naming an automatic (or pre-restore) version keeps it as a named one.
    const renamed = await editor.ok<{ renameBoardVersion: Version }>(
      `mutation($id: ID!, $n: String!) { renameBoardVersion(id: $id, name: $n) { ${FIELDS} } }`,
      { id: backup.id, n: "Keep this" },
    );
    expect(renamed.renameBoardVersion).toMatchObject({ kind: "NAMED", name: "Keep this" });
  }, 60_000);

  it("bounds what a board keeps: named versions refused past the limit, automatic ones age out", async () => {
    const board = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "many") { id } }`))
      .createBoard.id;
    for (let i = 0; i < LIMITS.namedVersionsPerBoardMax; i++)
      (await save(owner, `v${i}`, board)).data!.saveBoardVersion;
    const over = await save(owner, "one too many", board);
    expect(owner.code(over)).toBe("BAD_USER_INPUT");
    expect(over.errors?.[0]?.message).toMatch(/at most 100 named versions/);

    const target = (await list(owner, board))[0]!;
    for (let i = 0; i < LIMITS.automaticVersionsPerBoardMax + 3; i++) await owner.ok(RESTORE, { id: target.id });
    const kept = await list(owner, board);
    expect(kept.filter((v) => v.kind === "BEFORE_RESTORE")).toHaveLength(LIMITS.automaticVersionsPerBoardMax);
    expect(kept.filter((v) => v.kind === "NAMED")).toHaveLength(LIMITS.namedVersionsPerBoardMax);
  }, 120_000);
});

import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  addGeneration,
  cardText,
  createCard,
  deleteCard,
  listPresets,
  readCard,
  savePreset,
  undoScope,
  updateCard,
} from "./board.ts";
import { checkBoardUpdate } from "./board-validation.ts";
import { boardContent, boardStats, restoreBoard, versionDoc, versionNameSchema } from "./board-versions.ts";

const settings = { n: 4, guidanceScale: 3, temperature: 1, seed: 7, negativePrompt: "" };

function snapshot(doc: Y.Doc): Uint8Array {
  return Y.encodeStateAsUpdate(doc);
}

describe("restoreBoard", () => {
  it("makes the live board equal to the version: cards added, removed, edited in place, presets too", () => {
    const doc = new Y.Doc();
    const kept = createCard(doc, { kind: "prompt", x: 0, y: 0, text: "a red apple on the left" });
    const gone = createCard(doc, { kind: "note", x: 500, y: 0, text: "later deleted" });
    addGeneration(doc, kept, "g1");
    savePreset(doc, { name: "warm", prompt: "a red sun", settings });
    const v1 = snapshot(doc);

    // Work after the version: edit, move, delete, add, new generation and preset.
    cardText(doc, kept).insert(0, "big ");
    updateCard(doc, kept, { x: 300, color: "pink" });
    addGeneration(doc, kept, "g2");
    deleteCard(doc, gone);
    const added = createCard(doc, { kind: "note", x: 0, y: 900, text: "new idea" });
    savePreset(doc, { name: "cold", prompt: "a blue moon", settings });
    const keptText = cardText(doc, kept);

    const summary = restoreBoard(doc, versionDoc(v1));
    expect(summary).toEqual({ added: 1, removed: 1, changed: 1 });
    expect(boardContent(doc)).toEqual(boardContent(versionDoc(v1)));
    expect(readCard(doc, added)).toBeNull();
    expect(readCard(doc, gone)?.text).toBe("later deleted");
    expect(readCard(doc, kept)).toMatchObject({ x: 0, color: "white", generationIds: ["g1"] });
    // Edited in place: the same Y.Text lives on (open editors and bindings keep working).
    expect(cardText(doc, kept)).toBe(keptText);
    expect(keptText.toString()).toBe("a red apple on the left");
    expect(listPresets(doc).map((p) => p.name)).toEqual(["warm"]);
  });

  it("is one change: a client receives it in one update, and one undo step reverts it all", () => {
    const server = new Y.Doc();
    const a = createCard(server, { kind: "prompt", x: 0, y: 0, text: "first" });
    const v1 = snapshot(server);
    createCard(server, { kind: "prompt", x: 0, y: 400, text: "second" });
    updateCard(server, a, { y: 80 });
    const before = boardContent(server);

    const client = new Y.Doc();
    Y.applyUpdate(client, snapshot(server));
    let updates = 0;
    client.on("update", () => updates++);
    const origin = { restore: true };
    const undo = new Y.UndoManager(undoScope(server), { trackedOrigins: new Set([origin]) });
    const sv = Y.encodeStateVector(server);
    let transactions = 0;
    server.on("afterTransaction", () => transactions++);
    restoreBoard(server, versionDoc(v1), origin);
    expect(transactions).toBe(1);
    Y.applyUpdate(client, Y.encodeStateAsUpdate(server, sv));
    expect(updates).toBe(1);
    expect(boardContent(client)).toEqual(boardContent(versionDoc(v1)));

    undo.undo();
    expect(boardContent(server)).toEqual(before);
  });

  it("keeps a collaborator's concurrent edit to a card the version does not change", () => {
    const server = new Y.Doc();
    const stable = createCard(server, { kind: "prompt", x: 0, y: 0, text: "a cat" });
    const v1 = snapshot(server);
    createCard(server, { kind: "note", x: 0, y: 300, text: "to be undone" });

    const client = new Y.Doc();
    Y.applyUpdate(client, snapshot(server));
    cardText(client, stable).insert(5, " in the top left"); // typed while the restore happens

    restoreBoard(server, versionDoc(v1));
    Y.applyUpdate(server, snapshot(client));
    Y.applyUpdate(client, snapshot(server));
    expect(readCard(server, stable)?.text).toBe("a cat in the top left");
    expect(boardContent(client)).toEqual(boardContent(server));
    expect(boardStats(server).cards).toBe(1);
  });

  it("writes only what the board model allows (its update passes the server's check)", () => {
    const doc = new Y.Doc();
    const id = createCard(doc, { kind: "prompt", x: 0, y: 0, text: "a blue banana", settings });
    const v1 = snapshot(doc);
    deleteCard(doc, id);
    const live = new Y.Doc();
    Y.applyUpdate(live, snapshot(doc));
    const sv = Y.encodeStateVector(doc);
    restoreBoard(doc, versionDoc(v1));
    expect(checkBoardUpdate(live, Y.encodeStateAsUpdate(doc, sv))).toEqual({ ok: true });
  });
});

describe("versionNameSchema", () => {
  it("trims, refuses empty, overlong and broken names with readable messages", () => {
    expect(versionNameSchema.parse("  Before the workshop ")).toBe("Before the workshop");
    expect(versionNameSchema.safeParse("   ").error?.issues[0]?.message).toMatch(/empty/);
    expect(versionNameSchema.safeParse("x".repeat(81)).error?.issues[0]?.message).toMatch(/80 characters/);
    expect(versionNameSchema.safeParse("bad \ud800").error?.issues[0]?.message).toMatch(/broken character/);
  });
});

import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  addGeneration,
  cardsMap,
  cardText,
  createCard,
  deleteCard,
  deletePreset,
  duplicateCard,
  presetsMap,
  readCard,
  restoreOnCard,
  savePreset,
  setCardSettings,
  updateCard,
} from "./board.ts";
import { BOARD_HARD_LIMITS, checkBoardUpdate } from "./board-validation.ts";
import { isWellFormedText } from "./text.ts";

/** A server document and a client synced from it; every client update is checked, and applied only if valid. */
function pair() {
  const server = new Y.Doc();
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  const results: { ok: boolean; reason?: string }[] = [];
  client.on("update", (u: Uint8Array) => {
    const r = checkBoardUpdate(server, u);
    results.push(r);
    if (r.ok) Y.applyUpdate(server, u);
  });
  const last = () => results.at(-1)!;
  return { server, client, results, last };
}

/** Seeded PRNG (mulberry32) so a failing run can be replayed from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("checkBoardUpdate accepts what the app does", () => {
  it("creating, moving, typing, listing generations, duplicating and deleting cards", () => {
    const { server, client, results } = pair();
    const id = createCard(client, { kind: "prompt", x: 10, y: 20, text: "a cat" });
    updateCard(client, id, { x: -50, y: 999, w: 300, h: 240, color: "blue", pickCandidateId: "cand1" });
    const t = cardText(client, id);
    t.insert(5, " in the top left");
    t.delete(0, 2);
    addGeneration(client, id, "gen-1");
    const copy = duplicateCard(client, id);
    deleteCard(client, copy);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(cardText(server, id).toString()).toBe("cat in the top left");
    expect(cardsMap(server).size).toBe(1);
  });

  it("a random mix of concurrent edits from two clients (seeded)", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = rng(seed);
      const server = new Y.Doc();
      const clients = [new Y.Doc(), new Y.Doc()];
      const outbox: Uint8Array[][] = [[], []];
      clients.forEach((c, i) => {
        c.on("update", (u: Uint8Array, origin: unknown) => {
          if (origin !== "remote") outbox[i]!.push(u);
        });
      });
      for (let step = 0; step < 200; step++) {
        const i = random() < 0.5 ? 0 : 1;
        const c = clients[i]!;
        const ids = [...cardsMap(c).keys()];
        const r = random();
        if (r < 0.15 || ids.length === 0) createCard(c, { kind: random() < 0.5 ? "prompt" : "note", x: 0, y: 0 });
        else {
          const id = ids[Math.floor(random() * ids.length)]!;
          if (r < 0.2) deleteCard(c, id);
          else if (r < 0.4) updateCard(c, id, { x: Math.round(random() * 1000), color: "green" });
          else {
            const t = cardText(c, id);
            if (random() < 0.7 || t.length === 0) t.insert(Math.floor(random() * (t.length + 1)), "ab猫🐱");
            else t.delete(Math.floor(random() * t.length), 1);
          }
        }
        if (random() < 0.3) {
          // Deliver the queues through the server, which checks every update.
          for (const j of [0, 1]) {
            for (const u of outbox[j]!.splice(0)) {
              const check = checkBoardUpdate(server, u);
              expect(check, `seed ${seed} step ${step}`).toEqual({ ok: true });
              Y.applyUpdate(server, u);
            }
          }
          for (const c2 of clients) Y.applyUpdate(c2, Y.encodeStateAsUpdate(server), "remote");
        }
      }
    }
  }, 60_000);

  it("an offline edit to a card someone else deleted (its content already collected)", () => {
    const { server, client } = pair();
    const id = createCard(client, { kind: "prompt", x: 0, y: 0, text: "hello" });
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(server));
    deleteCard(client, id);
    let update: Uint8Array | null = null;
    offline.on("update", (u: Uint8Array) => {
      update = u;
    });
    cardText(offline, id).insert(5, " world");
    expect(checkBoardUpdate(server, update!)).toEqual({ ok: true });
  });
});

const SETTINGS = { n: 4, guidanceScale: 3, temperature: 0.9, seed: 42, negativePrompt: "red" };

describe("card settings and presets", () => {
  it("settings, a restore and presets pass the server's check and reach it whole", () => {
    const { server, client, results } = pair();
    const id = createCard(client, { kind: "prompt", x: 0, y: 0, text: "a cat" });
    setCardSettings(client, id, SETTINGS);
    restoreOnCard(client, id, { prompt: "two apples", settings: { ...SETTINGS, seed: null, negativePrompt: "" } });
    const p = savePreset(client, { name: " Apples ", prompt: "two apples", settings: SETTINGS, createdBy: "u1" });
    const copy = duplicateCard(client, id);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(readCard(server, id)).toMatchObject({ text: "two apples", settings: { seed: null, negativePrompt: "" } });
    expect(readCard(server, copy)?.settings).toEqual({ ...SETTINGS, seed: null, negativePrompt: "" });
    expect(presetsMap(server).get(p)).toMatchObject({ name: "Apples", prompt: "two apples", settings: SETTINGS });
    deletePreset(client, p);
    expect(results.at(-1)).toEqual({ ok: true });
    expect(presetsMap(server).size).toBe(0);
  });

  it("refuses settings and presets outside the model, and more presets than a board keeps", () => {
    const bad = [
      { ...SETTINGS, n: 17 },
      { ...SETTINGS, temperature: 0 },
      { ...SETTINGS, seed: -1 },
      { ...SETTINGS, negativePrompt: "x".repeat(301) },
      { ...SETTINGS, extra: "<script>" },
      "n=4",
    ];
    for (const value of bad) {
      const { client, last } = pair();
      const id = createCard(client, { kind: "prompt", x: 0, y: 0 });
      cardsMap(client).get(id)!.set("settings", value);
      expect(last(), JSON.stringify(value)).toEqual({
        ok: false,
        reason: "a card's settings has a value outside the board model",
      });
    }
    const preset = { name: "ok", prompt: "a cat", settings: SETTINGS, createdBy: null, createdAt: 1 };
    for (const value of [
      { ...preset, name: "" },
      { ...preset, name: "x".repeat(61) },
      { ...preset, settings: {} },
      5,
    ]) {
      const { server, client, last } = pair();
      presetsMap(client).set("p1", value);
      expect(last(), JSON.stringify(value)).toEqual({
        ok: false,
        reason: "preset p1 has a value outside the board model",
      });
      expect(presetsMap(server).size).toBe(0);
    }
    const nested = pair();
    presetsMap(nested.client).set("p1", new Y.Map());
    expect(nested.last().ok).toBe(false);

    const { server, client, last } = pair();
    client.transact(() => {
      for (let i = 0; i < BOARD_HARD_LIMITS.presets; i++) presetsMap(client).set(`p${i}`, preset);
    });
    expect(last()).toEqual({ ok: true });
    presetsMap(client).set("one-too-many", preset);
    expect(last()).toEqual({ ok: false, reason: "a board keeps at most 50 presets" });
    expect(presetsMap(server).size).toBe(BOARD_HARD_LIMITS.presets);
    // Replacing an existing preset is not a new one.
    presetsMap(client).set("p0", { ...preset, name: "renamed" });
    expect(last()).toEqual({ ok: true });
  });

  it("savePreset stops at the limit with a readable message", () => {
    const doc = new Y.Doc();
    for (let i = 0; i < 50; i++) savePreset(doc, { name: `p${i}`, prompt: "a cat", settings: SETTINGS });
    expect(() => savePreset(doc, { name: "one more", prompt: "a cat", settings: SETTINGS })).toThrow(
      "A board keeps at most 50 presets: delete one first.",
    );
  });
});

describe("checkBoardUpdate refuses what would break a board", () => {
  it("a card whose text is a plain string instead of a Y.Text", () => {
    const { client, last } = pair();
    const id = createCard(client, { kind: "prompt", x: 0, y: 0 });
    cardsMap(client).get(id)!.set("text", "plain string");
    expect(last()).toEqual({ ok: false, reason: "a card's text must be a Y.Text" });
  });

  it("a card that is not a map, and a card id outside the alphabet", () => {
    const { client, last } = pair();
    (cardsMap(client) as unknown as Y.Map<unknown>).set("c1", "not a map");
    expect(last()).toEqual({ ok: false, reason: "card c1 must be a Y.Map" });
    (cardsMap(client) as unknown as Y.Map<unknown>).set("bad id!", new Y.Map());
    expect(last().ok).toBe(false);
  });

  it("roots other than cards, unknown fields and values outside the model", () => {
    const root = pair();
    root.client.getMap("evil").set("x", 1);
    expect(root.last()).toEqual({ ok: false, reason: 'writes to the unknown root "evil"' });
    // Each case on a fresh board: after a refusal, the client holds what the server refused.
    const withCard = (edit: (card: Y.Map<unknown>) => void) => {
      const { client, last } = pair();
      const id = createCard(client, { kind: "note", x: 0, y: 0 });
      edit(cardsMap(client).get(id)!);
      return last();
    };
    for (const [key, value] of [
      ["x", "12"],
      ["x", Number.NaN],
      ["y", 1e12],
      ["w", 5],
      ["color", "url(https://evil.example/x)"],
      ["kind", "script"],
      ["createdBy", "x".repeat(65)],
    ] as const) {
      expect(
        withCard((c) => c.set(key, value)),
        `${key} = ${String(value)}`,
      ).toEqual({ ok: false, reason: `a card's ${key} has a value outside the board model` });
    }
    expect(withCard((c) => c.set("onclick", "alert(1)"))).toEqual({
      ok: false,
      reason: 'cards have no field "onclick"',
    });
    expect(withCard((c) => c.set("x", new Y.Map())).ok).toBe(false);
  });

  it("formatting, embeds and broken Unicode in card text", () => {
    const withText = (edit: (t: Y.Text) => void) => {
      const { client, last } = pair();
      const id = createCard(client, { kind: "prompt", x: 0, y: 0, text: "abc" });
      edit(cardText(client, id));
      return last();
    };
    expect(withText((t) => t.format(0, 1, { bold: true })).ok).toBe(false);
    expect(withText((t) => t.insertEmbed(0, { image: "x" })).ok).toBe(false);
  });

  it("a lone surrogate never reaches the server as one: Yjs' UTF-8 encoding makes it U+FFFD", () => {
    const { server, client, last } = pair();
    const id = createCard(client, { kind: "prompt", x: 0, y: 0 });
    cardText(client, id).insert(0, "bad \uD800 surrogate");
    expect(last()).toEqual({ ok: true });
    expect(cardText(server, id).toString()).toBe("bad \uFFFD surrogate");
  });

  it("more cards than a board holds, and texts longer than a card holds", () => {
    const { server, client, last } = pair();
    const rawCard = (id: string) => {
      const card = new Y.Map<unknown>();
      card.set("id", id);
      card.set("text", new Y.Text());
      cardsMap(client).set(id, card);
    };
    client.transact(() => {
      for (let i = 0; i < BOARD_HARD_LIMITS.cards; i++) rawCard(`c${i}`);
    });
    expect(last()).toEqual({ ok: true });
    rawCard("one-too-many");
    expect(last()).toEqual({ ok: false, reason: "a board holds at most 2000 cards" });
    expect(cardsMap(server).size).toBe(BOARD_HARD_LIMITS.cards);

    const texts = pair();
    const id = createCard(texts.client, { kind: "note", x: 0, y: 0 });
    const t = cardText(texts.client, id);
    t.insert(0, "x".repeat(BOARD_HARD_LIMITS.textChars));
    expect(texts.last()).toEqual({ ok: true });
    // Replacing the whole text in one change stays within the bound: deletions count.
    texts.client.transact(() => {
      t.delete(0, t.length);
      t.insert(0, "z".repeat(BOARD_HARD_LIMITS.textChars));
    });
    expect(texts.last()).toEqual({ ok: true });
    t.insert(0, "y");
    expect(texts.last()).toEqual({
      ok: false,
      reason: `a card's text holds at most ${BOARD_HARD_LIMITS.textChars} characters`,
    });
  });

  it("generation lists that hold anything but ids", () => {
    const { client, last } = pair();
    const id = createCard(client, { kind: "prompt", x: 0, y: 0 });
    (cardsMap(client).get(id)!.get("generations") as Y.Array<unknown>).push([{ evil: true }]);
    expect(last()).toEqual({ ok: false, reason: "a card's generations are ids" });
  });

  it("malformed bytes", () => {
    expect(checkBoardUpdate(new Y.Doc(), new Uint8Array([1, 2, 3, 250, 250]))).toEqual({
      ok: false,
      reason: "malformed update",
    });
  });
});

describe("isWellFormedText", () => {
  it("tells lone surrogates from pairs", () => {
    expect(isWellFormedText("猫🐱")).toBe(true);
    expect(isWellFormedText("\uD83D")).toBe(false);
    expect(isWellFormedText("\uDC31x")).toBe(false);
  });
});

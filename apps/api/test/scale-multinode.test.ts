/**
 * Scale-out on loopback with the real Redis and PostgreSQL: two API nodes and two runner processes, each
 * its own OS process. Yjs edits made through node A reach a client of node B; a graphql-ws subscriber on
 * node B gets every event, once and in order, of a job started through node A and run by runner 2; a
 * runner killed with SIGKILL mid-job → the other runner restarts it, subscribers see RESTARTED then the
 * complete result, the database holds exactly n candidates; node A killed → its subscriber reconnects to
 * node B and finishes with the full result.
 */
import { cardsMap, cardText, createCard } from "@tessera/shared";
import { createClient } from "graphql-ws";
import { Redis } from "ioredis";
import pg from "pg";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { redisKeys } from "../src/scale/redis.ts";
import { Client } from "./api-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";
import {
  type Cluster,
  cookieWebSocketClass,
  createCluster,
  type Proc,
  REDIS_URL,
  startBalancer,
  waitFor,
  yjsProvider,
} from "./scale-harness.ts";

const EVENTS = `subscription($id: ID!) { generationEvents(generationId: $id) {
  seq kind rows { candidate start tokens } finished { candidate candidateId } message ranking { candidate rank score }
} }`;
interface Ev {
  seq: number;
  kind: string;
  rows: { candidate: number; start: number; tokens: number[] }[] | null;
  finished: { candidate: number; candidateId: string }[] | null;
}

const finishedOf = (events: Ev[]) => events.flatMap((e) => e.finished ?? []);

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let cluster: Cluster;
let nodeA: Proc & { url: string };
let nodeB: Proc & { url: string };
let runner1: Proc | null = null;
let runner2: Proc;
let ownerA: Client;
let ownerB: Client;
let boardId: string;
let cells = 0;

beforeAll(async () => {
  db = await scratchDatabase("tessera_scale");
  cluster = createCluster(db.url, { TESSERA_RUNNER_CONCURRENCY: "4" });
  // Runner 2 first and alone, so the first job is certainly its; runner 1 joins for the kill test.
  [nodeA, nodeB, runner2] = await Promise.all([
    cluster.startApi("api-a"),
    cluster.startApi("api-b"),
    cluster.startRunner("runner-2", { TESSERA_RUNNER_PORT: "0" }),
  ]);
  ownerA = new Client(nodeA.url);
  await ownerA.ok("{ me { id } }");
  // The same session on node B: the nodes share the secret, the load balancer needs no stickiness.
  ownerB = new Client(nodeB.url);
  ownerB.cookie = ownerA.cookie;
  boardId = (await ownerA.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "scale") { id } }`))
    .createBoard.id;
  // Each node learns the model from the runner's announcement (re-read every few seconds).
  for (const c of [ownerA, ownerB]) {
    await waitFor(async () => !(await c.gql("{ model { gridRows } }")).errors, 20_000, "model announced by a runner");
  }
  const m = await ownerB.ok<{
    model: { gridRows: number; gridCols: number; imageSize: number; codebookSize: number; tokenPatches: string };
  }>("{ model { gridRows gridCols imageSize codebookSize tokenPatches } }");
  cells = m.model.gridRows * m.model.gridCols;
  // The token patches come with the runner's announcement: API nodes have no decoder of their own.
  const cell = (m.model.imageSize / m.model.gridRows) * (m.model.imageSize / m.model.gridCols);
  expect(Buffer.from(m.model.tokenPatches, "base64").length).toBe(m.model.codebookSize * cell * 3);
}, 150_000);

afterAll(async () => {
  await cluster?.close();
  await db?.drop();
});

async function startGeneration(c: Client, n: number, prompt: string): Promise<string> {
  const r = await c.ok<{ startGeneration: { id: string } }>(
    `mutation($b: ID!, $n: Int!, $p: String!) { startGeneration(boardId: $b, cardId: "card-1", prompt: $p, n: $n, params: { seed: 3 }) { id } }`,
    { b: boardId, n, p: prompt },
  );
  return r.startGeneration.id;
}

/** Subscribes on `urls()` (re-evaluated on every reconnect) and collects events until complete. */
function subscribe(cookie: string, urls: () => string, id: string, onEvent?: (e: Ev, all: Ev[]) => void) {
  const client = createClient({
    url: () => `${urls().replace("http", "ws")}/graphql`,
    webSocketImpl: cookieWebSocketClass(cookie),
    retryAttempts: 20,
    retryWait: () => new Promise((r) => setTimeout(r, 250)),
    shouldRetry: () => true,
  });
  const events: Ev[] = [];
  const done = new Promise<Ev[]>((resolve, reject) => {
    client.subscribe<{ generationEvents: Ev }>(
      { query: EVENTS, variables: { id } },
      {
        next: (v) => {
          if (v.errors) return reject(new Error(JSON.stringify(v.errors)));
          const e = v.data!.generationEvents;
          events.push(e);
          onEvent?.(e, events);
        },
        error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
        complete: () => resolve(events),
      },
    );
  }).finally(() => client.dispose());
  return { events, done };
}

/** Every token position of every candidate exactly once among `events`, and the result complete. */
function expectCompleteRun(events: Ev[], n: number) {
  expect(events[0]!.kind).toBe("STARTED");
  expect(events.at(-1)!.kind).toBe("FINISHED");
  for (let c = 0; c < n; c++) {
    const seen = new Array<number>(cells).fill(0);
    for (const row of events.flatMap((x) => (x.kind === "TOKENS" ? x.rows! : []))) {
      if (row.candidate !== c) continue;
      row.tokens.forEach((_, i) => {
        seen[row.start + i]!++;
      });
    }
    expect(seen.every((k) => k === 1)).toBe(true);
  }
  expect(finishedOf(events).map((f) => f.candidate)).toEqual([...Array(n).keys()]);
  expect(events.filter((e) => e.kind === "RANKING").length).toBe(1);
}

async function candidatesInDb(generationId: string) {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const r = await c.query<{ id: string; index: number; rank: number | null; png: boolean }>(
      `SELECT id, index, rank, png IS NOT NULL AS png FROM "Candidate" WHERE "generationId" = $1 ORDER BY index`,
      [generationId],
    );
    const g = await c.query<{ status: string }>(`SELECT status FROM "Generation" WHERE id = $1`, [generationId]);
    return { candidates: r.rows, status: g.rows[0]?.status };
  } finally {
    await c.end();
  }
}

interface Activity {
  kind: string;
  generationId: string;
  status: string | null;
}

/** boardActivity on one node, collected until stopped. */
function boardActivity(baseUrl: string, cookie: string) {
  const client = createClient({
    url: `${baseUrl.replace("http", "ws")}/graphql`,
    webSocketImpl: cookieWebSocketClass(cookie),
    retryAttempts: 0,
  });
  const seen: Activity[] = [];
  const ready = new Promise<void>((resolve) => client.on("connected", () => setTimeout(resolve, 200)));
  client.subscribe<{ boardActivity: Activity }>(
    {
      query: `subscription($b: ID!) { boardActivity(boardId: $b) { kind generationId status } }`,
      variables: { b: boardId },
    },
    { next: (v) => v.data && seen.push(v.data.boardActivity), error: () => {}, complete: () => {} },
  );
  return { seen, ready, stop: () => client.dispose() };
}

/** The board as the next node to load it will see it: snapshot plus every logged update. */
async function storedBoard() {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const snap = await c.query<{ state: Buffer }>(`SELECT state FROM "BoardDocument" WHERE "boardId" = $1`, [boardId]);
    const rows = await c.query<{ update: Buffer }>(
      `SELECT update FROM "BoardUpdate" WHERE "boardId" = $1 ORDER BY id`,
      [boardId],
    );
    const doc = new Y.Doc();
    for (const u of [...snap.rows.map((r) => r.state), ...rows.rows.map((r) => r.update)]) Y.applyUpdate(doc, u);
    const text = cardsMap(doc).has("t") ? cardText(doc, "t").toString() : "";
    return { snapshot: snap.rows.length > 0, map: cardsMap(doc), text };
  } finally {
    await c.end();
  }
}

const textOf = (doc: Y.Doc) => (cardsMap(doc).has("t") ? cardText(doc, "t").toString() : "");

const takenBy = (p: Proc, id: string) => p.lines.some((l) => l.includes('"generation taken"') && l.includes(id));

describe("scale-out", () => {
  it("Yjs edits through node A reach a client of node B and back; both converge", async () => {
    const docA = new Y.Doc();
    const docB = new Y.Doc();
    const a = yjsProvider(nodeA.url, boardId, ownerA.cookie!, docA);
    const b = yjsProvider(nodeB.url, boardId, ownerA.cookie!, docB);
    try {
      await waitFor(() => a.isSynced && b.isSynced, 15_000, "both synced");
      // Edits are board edits (the server refuses anything outside the board model).
      createCard(docA, { id: "t", kind: "note", x: 0, y: 0 });
      cardText(docA, "t").insert(0, "from A;");
      await waitFor(() => cardsMap(docB).has("t") && textOf(docB).includes("from A;"), 10_000, "A's edit on B");
      cardText(docB, "t").insert(0, "from B;");
      await waitFor(() => textOf(docA).includes("from B;"), 10_000, "B's edit on A");
      // Concurrent edits from both sides.
      for (let i = 0; i < 20; i++) {
        createCard(docA, { id: `a${i}`, kind: "note", x: i, y: 0 });
        createCard(docB, { id: `b${i}`, kind: "note", x: i, y: 1 });
      }
      await waitFor(
        () => Buffer.from(Y.encodeStateVector(docA)).equals(Buffer.from(Y.encodeStateVector(docB))),
        10_000,
        "converged",
      );
      expect(cardsMap(docA).size).toBe(41);
      expect(textOf(docA)).toBe(textOf(docB));
      await waitFor(() => !a.hasUnsyncedChanges && !b.hasUnsyncedChanges, 10_000, "acknowledged");
      // Acknowledged means logged in PostgreSQL, whichever node took the edit.
      expect((await storedBoard()).map.size).toBe(41);
    } finally {
      a.destroy();
      b.destroy();
    }
    // Both nodes unload the board and compact it (merging, so neither drops the other's edits).
    await waitFor(async () => (await storedBoard()).snapshot, 15_000, "compacted snapshot");
    const stored = await storedBoard();
    expect(stored.map.size).toBe(41);
    expect(stored.text).toBe(textOf(docA));
  }, 60_000);

  it("a subscriber on node B gets every event of a job started through node A and run by runner 2", async () => {
    // Board activity on node B: the start published by node A, the ranking and the end by the runner.
    const activity = boardActivity(nodeB.url, ownerA.cookie!);
    await activity.ready;
    const id = await startGeneration(ownerA, 4, "a red circle");
    const { done } = subscribe(ownerA.cookie!, () => nodeB.url, id);
    const events = await done;
    await waitFor(
      () => activity.seen.some((a) => a.generationId === id && a.kind === "GENERATION_FINISHED"),
      10_000,
      "GENERATION_FINISHED on node B",
    );
    await activity.stop();
    expect(activity.seen.filter((a) => a.generationId === id).map((a) => [a.kind, a.status])).toEqual([
      ["GENERATION_STARTED", "QUEUED"],
      ["RANKING_CHANGED", null],
      ["GENERATION_FINISHED", "FINISHED"],
    ]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expectCompleteRun(events, 4);
    expect(events.some((e) => e.kind === "RESTARTED")).toBe(false);
    expect(takenBy(runner2, id)).toBe(true);
    const db = await candidatesInDb(id);
    expect(db.status).toBe("FINISHED");
    expect(db.candidates.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    // Candidate ids in the events are the stored rows.
    expect(finishedOf(events).map((f) => f.candidateId)).toEqual(db.candidates.map((c) => c.id));
    // The runner's own endpoint counts what it did.
    const m = await runner2.waitForLine(/"url":"(http:[^"]+)".*runner health and metrics/);
    expect((await fetch(`${m[1]}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${m[1]}/metrics`)).text()).toMatch(
      /tessera_generations_total\{status="FINISHED"\} [1-9]/,
    );
    // A late subscriber, on node A this time, replays the same events.
    const late = await subscribe(ownerA.cookie!, () => nodeA.url, id).done;
    expect(late.map((e) => [e.seq, e.kind])).toEqual(events.map((e) => [e.seq, e.kind]));
  }, 60_000);

  it("searches by meaning through an API node: runner 2 reads the text over HTTP, stored embeddings answer", async () => {
    type Match = { candidate: { id: string; tags: string[] }; prompt: string; score: number };
    const r = await ownerB.ok<{ searchBoard: Match[] }>(
      `query($b: ID!) { searchBoard(boardId: $b, text: "红色", limit: 4) { candidate { id tags } prompt score } }`,
      { b: boardId },
    );
    expect(r.searchBoard.map((m) => m.prompt)).toEqual(Array(4).fill("a red circle"));
    const scores = r.searchBoard.map((m) => m.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    for (const m of r.searchBoard) expect(m.candidate.tags.length).toBeGreaterThan(0);
    const similar = await ownerA.ok<{ similarCandidates: { candidate: { id: string } }[] }>(
      `query($c: ID!) { similarCandidates(candidateId: $c) { candidate { id } } }`,
      { c: r.searchBoard[0]!.candidate.id },
    );
    expect(similar.similarCandidates).toHaveLength(3);
  }, 30_000);

  it("takes an upload through an API node: runner 2 reads the picture over HTTP, and it is stored searchable", async () => {
    const size = 128;
    const rgb = Buffer.alloc(size * size * 3);
    for (let p = 0; p < size * size; p++) rgb.set([220, 40, 40], p * 3);
    const png = new PNG({ width: size, height: size });
    for (let p = 0; p < size * size; p++) png.data.set([...rgb.subarray(p * 3, p * 3 + 3), 255], p * 4);
    const res = await fetch(`${nodeB.url}/uploads?board=${boardId}&card=upload-card`, {
      method: "POST",
      headers: {
        "content-type": "application/octet-stream",
        origin: nodeB.url,
        "x-tessera-upload": "1",
        cookie: ownerB.cookie!,
      },
      body: PNG.sync.write(png),
    });
    const body = (await res.json()) as { candidateId?: string; tokens?: number[] };
    expect(res.status).toBe(201);
    expect(body.tokens).toHaveLength(cells);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query(
        `SELECT c.tags, array_length(e.embedding, 1) AS dim FROM "Candidate" c
         JOIN "CandidateEmbedding" e ON e."candidateId" = c.id WHERE c.id = $1`,
        [body.candidateId],
      );
      expect(rows[0].dim).toBeGreaterThan(0);
      expect(rows[0].tags).toContain("red");
    } finally {
      await c.end();
    }
  }, 30_000);

  it("cancel through node B stops the job runner 2 is running for node A", async () => {
    const id = await startGeneration(ownerA, 16, "a small purple dot");
    let cancelled = false;
    const { done } = subscribe(
      ownerA.cookie!,
      () => nodeA.url,
      id,
      (e) => {
        if (e.kind === "TOKENS" && !cancelled) {
          cancelled = true;
          void ownerB.ok(`mutation($id: ID!) { cancelGeneration(id: $id) { id } }`, { id });
        }
      },
    );
    const events = await done;
    expect(cancelled).toBe(true);
    expect(events.at(-1)!.kind).toBe("CANCELLED");
    expect(events.some((e) => e.kind === "FINISHED")).toBe(false);
    expect((await candidatesInDb(id)).status).toBe("CANCELLED");
  }, 60_000);

  it("kill -9 of the runner mid-job: the other runner restarts it; RESTARTED, then exactly n candidates", async () => {
    runner1 = await cluster.startRunner("runner-1");
    const n = 16;
    const id = await startGeneration(ownerA, n, "a blue square on a yellow background");
    const sub = subscribe(ownerA.cookie!, () => nodeB.url, id);
    // Killed as soon as its first tokens are in the stream; the stream's owner key names the runner.
    const watcher = new Redis(REDIS_URL);
    const keys = redisKeys(cluster.prefix);
    let owner = "";
    await waitFor(
      async () => {
        const entries = await watcher.xrange(keys.events(id), "-", "+", "COUNT", 4);
        if (!entries.some(([, f]) => f.join(" ").includes('"TOKENS"'))) return false;
        owner = (await watcher.get(keys.owner(id))) ?? "";
        return true;
      },
      20_000,
      "the job's first tokens",
    );
    watcher.disconnect();
    const victim = owner.startsWith("runner-1:") ? runner1! : runner2;
    await cluster.kill(victim);
    const events = await sub.done;
    const survivor = victim === runner1 ? runner2 : runner1!;
    const trace = () =>
      [
        events.map((e) => e.kind).join(","),
        ...[runner1!, runner2].flatMap((p) => p.lines.filter((l) => l.includes(id)).map((l) => `${p.name}: ${l}`)),
      ].join("\n");
    expect(owner.startsWith(victim.name), trace()).toBe(true);
    expect(takenBy(survivor, id), trace()).toBe(true);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    const restarted = events.findIndex((e) => e.kind === "RESTARTED");
    expect(restarted).toBeGreaterThan(0);
    // The victim really was mid-job: it had streamed tokens but not finished.
    expect(events.slice(0, restarted).some((e) => e.kind === "TOKENS")).toBe(true);
    expect(events.slice(0, restarted).some((e) => e.kind === "FINISHED")).toBe(false);
    // Everything after the restart is a complete run on its own.
    expectCompleteRun(events.slice(restarted + 1), n);
    const stored = await candidatesInDb(id);
    expect(stored.status).toBe("FINISHED");
    expect(stored.candidates.length).toBe(n);
    expect(stored.candidates.map((c) => c.index)).toEqual([...Array(n).keys()]);
    expect(stored.candidates.every((c) => c.rank !== null && c.png)).toBe(true);
    // The ids announced after the restart are the stored ones.
    const ids = finishedOf(events.slice(restarted + 1)).map((f) => f.candidateId);
    expect(new Set(ids).size).toBe(n);
    expect(ids.sort()).toEqual(stored.candidates.map((c) => c.id).sort());
    if (victim === runner1) runner1 = null;
    else runner2 = runner1!;
  }, 90_000);

  it("node A killed mid-generation: its clients, behind a balancer, resume on node B with nothing lost", async () => {
    // Clients reach the nodes through a balancer that sends new connections to the first live node (A).
    const lb = await startBalancer([nodeA.url, nodeB.url]);
    const docLb = new Y.Doc();
    const docB = new Y.Doc();
    const viaLb = yjsProvider(lb.url, boardId, ownerA.cookie!, docLb);
    const onB = yjsProvider(nodeB.url, boardId, ownerA.cookie!, docB);
    try {
      await waitFor(() => viaLb.isSynced && onB.isSynced, 15_000, "providers synced");
      createCard(docLb, { id: "kill-before", kind: "note", x: 0, y: 0 });
      await waitFor(() => viaLb.isSynced && !viaLb.hasUnsyncedChanges, 10_000, "edit acknowledged by node A");
      const id = await startGeneration(ownerA, 16, "a green triangle");
      let killedA = false;
      const sub = subscribe(
        ownerA.cookie!,
        () => lb.url,
        id,
        (e) => {
          if (e.kind === "TOKENS" && !killedA) {
            killedA = true;
            void cluster.kill(nodeA);
          }
        },
      );
      const events = await sub.done;
      expect(killedA).toBe(true);
      // Resubscribed on node B: the stream is replayed from seq 0; a client keeps the first of each seq.
      const bySeq = new Map<number, Ev>();
      for (const e of events) {
        const prev = bySeq.get(e.seq);
        if (prev) expect(prev.kind).toBe(e.kind);
        else bySeq.set(e.seq, e);
      }
      const merged = [...bySeq.values()].sort((x, y) => x.seq - y.seq);
      expect(merged.map((e) => e.seq)).toEqual(merged.map((_, i) => i));
      expect(events.length).toBeGreaterThan(merged.length); // the replay really happened
      expectCompleteRun(merged, 16);
      const stored = await candidatesInDb(id);
      expect(stored.status).toBe("FINISHED");
      expect(stored.candidates.length).toBe(16);
      // The Yjs client reconnected through the balancer to node B: its edits from before and after the
      // kill are on node B's other client.
      createCard(docLb, { id: "kill-after", kind: "note", x: 0, y: 0 });
      await waitFor(() => cardsMap(docB).has("kill-after"), 20_000, "post-kill edit on node B");
      expect(cardsMap(docB).has("kill-before")).toBe(true);
      await waitFor(() => viaLb.isSynced && !viaLb.hasUnsyncedChanges, 10_000, "edit acknowledged by node B");
    } finally {
      viaLb.destroy();
      onB.destroy();
      await lb.close();
    }
  }, 90_000);

  it("no process logged an error along the way", () => {
    const errors = [nodeA, nodeB, runner2, ...(runner1 ? [runner1] : [])].flatMap((p) =>
      p.lines.filter((l) => /"level":(50|60)/.test(l)).map((l) => `${p.name}: ${l}`),
    );
    expect(errors).toEqual([]);
  });
});

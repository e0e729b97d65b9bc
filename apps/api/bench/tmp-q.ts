import pg from "pg";
import { Client, startTestApi } from "../test/api-harness.ts";
import { scratchDatabase } from "../test/db-helpers.ts";

const db = await scratchDatabase("tessera_q");
const api = await startTestApi({ databaseUrl: db.url });
const c = new Client(api.url);
const boardId = (await c.ok(`mutation { createBoard(name: "q") { id } }`)).createBoard.id;
const gen = await c.ok(
  `mutation($b: ID!) { startGeneration(boardId: $b, cardId: "c", prompt: "a red circle", n: 1) { id } }`,
  { b: boardId },
);
await c.collect(`subscription($id: ID!) { generationEvents(generationId: $id) { seq } }`, {
  id: gen.startGeneration.id,
});
const cand = (
  await c.ok(`query($id: ID!) { generation(id: $id) { candidates { id } } }`, { id: gen.startGeneration.id })
).generation.candidates[0].id;
let log: string[] = [];
const orig = pg.Client.prototype.query;
(pg.Client.prototype as any).query = function (...a: any[]) {
  const q = a[0];
  log.push(typeof q === "string" ? q : (q?.text ?? String(q)));
  return (orig as any).apply(this, a);
};
for (const [name, q, v] of [
  ["me", "{ me { id displayName } }", {}],
  ["board", "query($id: ID!) { board(id: $id) { id name myRole } }", { id: boardId }],
  ["castVote", "mutation($c: ID!) { castVote(candidateId: $c) { votes } }", { c: cand }],
] as const) {
  log = [];
  await c.ok(q, v as any);
  console.log(`== ${name}: ${log.length} queries`);
  for (const l of log) console.log("   ", l.replace(/\s+/g, " ").slice(0, 160));
}
await api.close();
await db.drop();

/**
 * "Without …" through the API (issue 17 item 2): validated at the boundary, stored with the generation's
 * settings, returned by GraphQL, and kept by variations. Real server, PostgreSQL and runner.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Client, startTestApi } from "./api-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let api: Awaited<ReturnType<typeof startTestApi>>;

beforeAll(async () => {
  db = await scratchDatabase();
  api = await startTestApi({ databaseUrl: db.url });
}, 60_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const START = `mutation($b: ID!, $p: GenerationParamsInput) {
  startGeneration(boardId: $b, cardId: "c", prompt: "a red apple", n: 2, params: $p) { id params { negativePrompt guidanceScale } }
}`;

it("is stored trimmed with the settings, kept by variations, refused when too long", async () => {
  const c = new Client(api.url);
  const b = (await c.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "w") { id } }`)).createBoard.id;
  const g = await c.ok<{ startGeneration: { id: string; params: { negativePrompt: string | null } } }>(START, {
    b,
    p: { negativePrompt: "  red  ", guidanceScale: 3 },
  });
  expect(g.startGeneration.params.negativePrompt).toBe("red");
  const events = await c.collect<{ generationEvents: { kind: string } }>(
    `subscription($id: ID!) { generationEvents(generationId: $id) { kind } }`,
    { id: g.startGeneration.id },
  );
  expect(events.at(-1)!.generationEvents.kind).toBe("FINISHED");
  const v = await c.ok<{ variations: { params: { negativePrompt: string | null } } }>(
    `mutation($g: ID!) { variations(generationId: $g, n: 1) { params { negativePrompt } } }`,
    { g: g.startGeneration.id },
  );
  expect(v.variations.params.negativePrompt).toBe("red");

  const none = await c.ok<{ startGeneration: { params: { negativePrompt: string | null } } }>(START, {
    b,
    p: { negativePrompt: "   " },
  });
  expect(none.startGeneration.params.negativePrompt).toBeNull();

  const long = await c.gql(START, { b, p: { negativePrompt: "x".repeat(301) } });
  expect(c.code(long)).toBe("BAD_USER_INPUT");
  expect(long.errors![0]!.message).toMatch(/"Without" is limited to 300 characters/);
}, 60_000);

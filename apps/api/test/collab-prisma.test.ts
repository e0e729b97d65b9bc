/**
 * The production persistence path: `createCollab({ prisma })` over the API's Prisma 7 client on a
 * migrated database (API-core's migrations). Edits acknowledged to a real provider are in BoardUpdate;
 * flushAll folds them into BoardDocument; a new server loads the same board.
 */
import { createCard, listCards } from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCollab } from "../src/collab/index.ts";
import { createPrisma, MIGRATIONS_DIR, migrate, type PrismaClient } from "../src/db/index.ts";
import { acked, connect, quietLogger, Roles, scratchDatabase, startCollabServer, synced } from "./collab-harness.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let prisma: PrismaClient;
const roles = new Roles();

beforeAll(async () => {
  db = await scratchDatabase({ tables: false });
  await migrate(db.url, MIGRATIONS_DIR);
  prisma = createPrisma(db.url, 4);
  await prisma.board.create({ data: { id: "pb1", name: "Prisma board" } });
  roles.set("pb1", "alice", "EDITOR");
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

describe("collab over Prisma", () => {
  it("logs acknowledged updates, compacts on flushAll and reloads after a restart", async () => {
    const collab = createCollab({
      prisma,
      authorize: roles.authorize,
      logger: quietLogger(),
      debounceMs: 60_000,
      maxDebounceMs: 120_000,
    });
    const server = await startCollabServer({ collab, roles });
    const p = connect(server.url, "pb1", "alice");
    await synced(p);
    for (let i = 0; i < 5; i++) createCard(p.document, { kind: "note", x: i, y: 0, text: `n${i}` });
    await acked(p);
    expect(await prisma.boardUpdate.count({ where: { boardId: "pb1" } })).toBeGreaterThan(0);
    expect(await prisma.boardDocument.findUnique({ where: { boardId: "pb1" } })).toBeNull();

    await collab.flushAll();
    const stored = await prisma.boardDocument.findUnique({ where: { boardId: "pb1" } });
    expect(stored?.compactedThrough).toBeGreaterThan(0n);
    expect(
      await prisma.boardUpdate.count({ where: { boardId: "pb1", id: { lte: stored?.compactedThrough ?? 0n } } }),
    ).toBe(0);
    p.destroy();
    await server.close();

    const again = await startCollabServer({
      store: undefined,
      collab: createCollab({ prisma, authorize: roles.authorize, logger: quietLogger() }),
      roles,
    });
    const q = connect(again.url, "pb1", "alice");
    await synced(q);
    expect(
      listCards(q.document)
        .map((c) => c.text)
        .sort(),
    ).toEqual(["n0", "n1", "n2", "n3", "n4"]);
    q.destroy();
    await again.close();
  });
});

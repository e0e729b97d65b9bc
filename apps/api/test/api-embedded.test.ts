/**
 * The default deployment: DATABASE_URL unset → embedded PostgreSQL under the data dir (as root it runs as
 * the `postgres` user). Boards and Yjs edits survive an API restart; WebSocket identity is enforced.
 */
import { once } from "node:events";
import { createCard, listCards } from "@tessera/shared";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Client, startTestApi } from "./api-harness.ts";

let api: Awaited<ReturnType<typeof startTestApi>> | null = null;

afterAll(async () => {
  await api?.close();
});

describe("embedded PostgreSQL default", () => {
  it("persists boards and Yjs edits across a restart", async () => {
    api = await startTestApi({}, { engine: null });
    const dataDir = api.dataDir;
    const owner = new Client(api.url);
    const b = await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "Kept") { id } }`);
    const boardId = b.createBoard.id;
    let cardId = "";
    await api.services.withDocument!(boardId, (doc) => {
      cardId = createCard(doc, { kind: "prompt", x: 10, y: 20, text: "a red circle" });
    });
    await api.close();

    api = await startTestApi({ dataDir }, { engine: null });
    const again = new Client(api.url);
    again.cookie = owner.cookie; // the secret was persisted under the data dir, so the cookie still works
    const boards = await again.ok<{ boards: { id: string; name: string }[] }>("{ boards { id name } }");
    expect(boards.boards).toEqual([{ id: boardId, name: "Kept" }]);
    let ids: string[] = [];
    await api.services.withDocument!(boardId, (doc) => {
      ids = listCards(doc).map((c) => c.id);
    });
    expect(ids).toEqual([cardId]);
  }, 90_000);

  it("graphql-ws: no cookie → 4401; subscribing to someone else's board → error", async () => {
    // Its own server: a test must not depend on the state another test left behind.
    await api?.close();
    api = await startTestApi({}, { engine: null });
    const url = `${api!.url.replace("http", "ws")}/graphql`;
    const anon = new WebSocket(url, "graphql-transport-ws");
    await once(anon, "open");
    anon.send(JSON.stringify({ type: "connection_init" }));
    const [code] = (await once(anon, "close")) as [number];
    expect(code).toBe(4401);

    const owner = new Client(api!.url);
    const other = new Client(api!.url);
    await other.ok("{ me { id } }");
    const b = await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "Private") { id } }`);
    await expect(
      other.collect(`subscription($b: ID!) { boardActivity(boardId: $b) { kind } }`, { b: b.createBoard.id }),
    ).rejects.toThrow(/NOT_FOUND/);
  }, 30_000);
});

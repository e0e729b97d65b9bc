/**
 * Board versions (issue 18 item 4): whole Yjs states of a board in PostgreSQL — named by people, taken
 * automatically while a board is edited (at most one per interval), and kept just before every restore so a
 * restore loses nothing and can itself be undone by restoring that copy. Restoring edits the live document
 * once, through collab, so every connected client receives it as one change.
 */
import { boardStats, LIMITS, type RestoreSummary, restoreBoard, TesseraError, versionDoc } from "@tessera/shared";
import type { Logger } from "pino";
import * as Y from "yjs";
import { newId } from "../auth/index.ts";
import type { PrismaClient } from "../db/index.ts";
import type { BoardActivityBus } from "../generation/board-activity.ts";

export type VersionKind = "NAMED" | "AUTOMATIC" | "BEFORE_RESTORE";

/** A version without its state (the list never reads states: a board may keep 150 of up to megabytes each). */
export interface VersionRow {
  id: string;
  boardId: string;
  kind: VersionKind;
  name: string | null;
  cardCount: number;
  bytes: number;
  restoredFromId: string | null;
  createdById: string | null;
  createdByName: string | null;
  createdAt: Date;
}

/** How versions reach the live board (collab's document access). */
export interface BoardDocuments {
  read(boardId: string): Promise<Uint8Array>;
  edit(boardId: string, fn: (doc: Y.Doc) => void): Promise<void>;
}

export interface BoardVersionsOptions {
  /** At most one automatic version per board per this many ms while it is edited; 0 turns them off. */
  autoIntervalMs: number;
  /**
   * Bytes all versions of one board may take together (default LIMITS.versionBytesPerBoardMax). Named ones
   * are refused past it; automatic and pre-restore ones are dropped oldest first to stay within it.
   */
  maxBytes?: number;
}

const AUTOMATIC_KINDS = ["AUTOMATIC", "BEFORE_RESTORE"] as const;
const megabytes = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
const bytes = (u: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(u);
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

export class BoardVersions {
  /** When each board may next get an automatic version: saves a query on every compaction (every few s). */
  private readonly nextAuto = new Map<string, number>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly docs: BoardDocuments,
    private readonly activity: BoardActivityBus,
    private readonly log: Logger,
    private readonly options: BoardVersionsOptions,
  ) {}

  async list(boardId: string): Promise<VersionRow[]> {
    return this.prisma.$queryRaw<VersionRow[]>`
      SELECT v."id", v."boardId", v."kind"::text AS "kind", v."name", v."cardCount",
             octet_length(v."state")::int AS "bytes", v."restoredFromId", v."createdById",
             u."displayName" AS "createdByName", v."createdAt"
      FROM "BoardVersion" v LEFT JOIN "User" u ON u."id" = v."createdById" WHERE v."boardId" = ${boardId}
      ORDER BY v."createdAt" DESC, v."id" DESC`;
  }

  async find(id: string): Promise<VersionRow | null> {
    const [row] = await this.prisma.$queryRaw<VersionRow[]>`
      SELECT v."id", v."boardId", v."kind"::text AS "kind", v."name", v."cardCount",
             octet_length(v."state")::int AS "bytes", v."restoredFromId", v."createdById",
             u."displayName" AS "createdByName", v."createdAt"
      FROM "BoardVersion" v LEFT JOIN "User" u ON u."id" = v."createdById" WHERE v."id" = ${id}`;
    return row ?? null;
  }

  async state(id: string): Promise<Uint8Array> {
    const row = await this.prisma.boardVersion.findUnique({ where: { id }, select: { state: true } });
    if (!row) throw new TesseraError("NOT_FOUND", "That version no longer exists.");
    return row.state;
  }

  async save(boardId: string, name: string, by: { userId: string; displayName: string }): Promise<VersionRow> {
    const named = await this.prisma.boardVersion.count({ where: { boardId, kind: "NAMED" } });
    if (named >= LIMITS.namedVersionsPerBoardMax) {
      throw new TesseraError(
        "BAD_USER_INPUT",
        `A board keeps at most ${LIMITS.namedVersionsPerBoardMax} named versions: delete an old one first.`,
      );
    }
    const state = await this.docs.read(boardId);
    await this.checkNamedRoom(boardId, state.byteLength);
    const v = await this.insert({
      boardId,
      kind: "NAMED",
      name,
      state,
      createdById: by.userId,
      createdByName: by.displayName,
    });
    await this.prune(boardId);
    this.changed(boardId);
    return v;
  }

  async rename(v: VersionRow, name: string): Promise<VersionRow> {
    if (v.kind !== "NAMED") {
      const named = await this.prisma.boardVersion.count({ where: { boardId: v.boardId, kind: "NAMED" } });
      if (named >= LIMITS.namedVersionsPerBoardMax) {
        throw new TesseraError(
          "BAD_USER_INPUT",
          `A board keeps at most ${LIMITS.namedVersionsPerBoardMax} named versions: delete an old one first.`,
        );
      }
    }
    if (v.kind !== "NAMED") await this.checkNamedRoom(v.boardId, v.bytes);
    // Naming an automatic version keeps it: named versions never age out.
    await this.prisma.boardVersion.update({ where: { id: v.id }, data: { name, kind: "NAMED" } });
    if (v.kind !== "NAMED") await this.prune(v.boardId);
    this.changed(v.boardId);
    return { ...v, name, kind: "NAMED" };
  }

  async delete(v: VersionRow): Promise<void> {
    await this.prisma.boardVersion.deleteMany({ where: { id: v.id } });
    this.changed(v.boardId);
  }

  /**
   * Makes the live board equal to `v`. The board as it is is stored first (BEFORE_RESTORE): if that fails,
   * nothing is restored. Edits that arrive between that read and the restore (milliseconds) are caught by
   * re-reading inside the restoring transaction and updating the copy.
   */
  async restore(
    v: VersionRow,
    by: { userId: string; displayName: string },
  ): Promise<{ backup: VersionRow; summary: RestoreSummary }> {
    const past = versionDoc(await this.state(v.id));
    const before = await this.docs.read(v.boardId);
    const backup = await this.insert({
      boardId: v.boardId,
      kind: "BEFORE_RESTORE",
      name: null,
      state: before,
      createdById: by.userId,
      createdByName: by.displayName,
      restoredFromId: v.id,
    });
    let replaced: Uint8Array = before;
    let summary: RestoreSummary = { added: 0, removed: 0, changed: 0 };
    await this.docs.edit(v.boardId, (doc) => {
      replaced = Y.encodeStateAsUpdate(doc);
      summary = restoreBoard(doc, past);
    });
    if (!sameBytes(replaced, before)) {
      const cards = boardStats(versionDoc(replaced)).cards;
      await this.prisma.boardVersion
        .update({ where: { id: backup.id }, data: { state: bytes(replaced), cardCount: cards } })
        .catch((err: unknown) => this.log.error({ err, backup: backup.id }, "restore backup not refreshed"));
    }
    await this.prune(v.boardId);
    this.changed(v.boardId);
    this.activity.publish({
      boardId: v.boardId,
      kind: "BOARD_RESTORED",
      generationId: "",
      cardId: "",
      versionId: v.id,
      backupVersionId: backup.id,
      byName: by.displayName,
      versionName: v.name,
      versionKind: v.kind,
    });
    return { backup, summary };
  }

  /**
   * Called after collab stored a board: an automatic version when the board has none from the last interval
   * and changed since its latest one. The insert itself re-checks the interval, so API nodes racing on the
   * same board add one version, not one each.
   */
  async onStored(boardId: string, state: Uint8Array): Promise<void> {
    const every = this.options.autoIntervalMs;
    if (every <= 0) return;
    const now = Date.now();
    if ((this.nextAuto.get(boardId) ?? 0) > now) return;
    if (this.nextAuto.size > 10_000) this.nextAuto.clear(); // a hint only: forgetting costs one query
    const [latest] = await this.prisma.$queryRaw<{ createdAt: Date; same: boolean }[]>`
      SELECT "createdAt", "state" = ${bytes(state)} AS "same" FROM "BoardVersion"
      WHERE "boardId" = ${boardId} ORDER BY "createdAt" DESC LIMIT 1`;
    if (latest && latest.createdAt.getTime() + every > now) {
      this.nextAuto.set(boardId, latest.createdAt.getTime() + every);
      return;
    }
    if (latest?.same) return; // unchanged since: check again at the next store
    const cards = boardStats(versionDoc(state)).cards;
    const inserted = await this.prisma.$executeRaw`
      INSERT INTO "BoardVersion" ("id", "boardId", "kind", "state", "cardCount")
      SELECT ${newId()}, ${boardId}, 'AUTOMATIC', ${bytes(state)}, ${cards}
      WHERE EXISTS (SELECT 1 FROM "Board" WHERE "id" = ${boardId})
        AND NOT EXISTS (SELECT 1 FROM "BoardVersion" WHERE "boardId" = ${boardId}
                        AND "createdAt" > now() - ${every} * interval '1 millisecond')`;
    this.nextAuto.set(boardId, now + every);
    if (inserted) {
      this.log.info({ boardId, bytes: state.byteLength }, "automatic version");
      await this.prune(boardId);
      this.changed(boardId);
    }
  }

  private async insert(v: {
    boardId: string;
    kind: VersionKind;
    name: string | null;
    state: Uint8Array;
    createdById: string | null;
    createdByName?: string;
    restoredFromId?: string;
  }): Promise<VersionRow> {
    const cardCount = boardStats(versionDoc(v.state)).cards;
    const row = await this.prisma.boardVersion.create({
      data: {
        id: newId(),
        boardId: v.boardId,
        kind: v.kind,
        name: v.name,
        state: bytes(v.state),
        cardCount,
        createdById: v.createdById,
        restoredFromId: v.restoredFromId ?? null,
      },
      select: { id: true, createdAt: true },
    });
    return {
      id: row.id,
      boardId: v.boardId,
      kind: v.kind,
      name: v.name,
      cardCount,
      bytes: v.state.byteLength,
      restoredFromId: v.restoredFromId ?? null,
      createdById: v.createdById,
      createdByName: v.createdByName ?? null,
      createdAt: row.createdAt,
    };
  }

  private get maxBytes(): number {
    return this.options.maxBytes ?? LIMITS.versionBytesPerBoardMax;
  }

  /** Named versions never age out, so one more must fit in the board's bytes beside the named ones. */
  private async checkNamedRoom(boardId: string, adding: number): Promise<void> {
    const [row] = await this.prisma.$queryRaw<{ bytes: number }[]>`
      SELECT coalesce(sum(octet_length("state")), 0)::float8 AS "bytes" FROM "BoardVersion"
      WHERE "boardId" = ${boardId} AND "kind" = 'NAMED'`;
    const named = row?.bytes ?? 0;
    if (named + adding > this.maxBytes) {
      throw new TesseraError(
        "BAD_USER_INPUT",
        `This board's named versions take ${megabytes(named)} of the ${megabytes(this.maxBytes)} its versions may ` +
          `use, and this one needs ${megabytes(adding)}: delete an old one first.`,
      );
    }
  }

  /**
   * Automatic versions (and copies kept before restores) are dropped oldest first beyond the newest N, or
   * while all the board's versions together take more than its bytes. The newest is always kept: after a
   * restore it is the copy that undoes it.
   */
  private async prune(boardId: string): Promise<void> {
    await this.prisma.$executeRaw`
      DELETE FROM "BoardVersion" WHERE "id" IN (
        SELECT a."id" FROM (
          SELECT "id", row_number() OVER newest AS "n", sum(octet_length("state")) OVER newest AS "running"
          FROM "BoardVersion"
          WHERE "boardId" = ${boardId} AND "kind"::text = ANY(${[...AUTOMATIC_KINDS]})
          WINDOW newest AS (ORDER BY "createdAt" DESC, "id" DESC)
        ) a
        WHERE a."n" > 1 AND (
          a."n" > ${LIMITS.automaticVersionsPerBoardMax}
          OR a."running" + (SELECT coalesce(sum(octet_length("state")), 0) FROM "BoardVersion"
                            WHERE "boardId" = ${boardId} AND "kind" = 'NAMED') > ${this.maxBytes}
        ))`;
  }

  private changed(boardId: string): void {
    this.activity.publish({ boardId, kind: "VERSIONS_CHANGED", generationId: "", cardId: "" });
  }
}

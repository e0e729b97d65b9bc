import { bytesFromBase64, versionDoc } from "@tessera/shared";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type * as Y from "yjs";
import type { BoardSync } from "../lib/boardSync.ts";
import { friendlyError, gql } from "../lib/gql.ts";
import {
  type BoardVersion,
  M_RESTORE_VERSION,
  Q_VERSION_STATE,
  type RestoreResult,
  restoreMessage,
  type VersionKind,
} from "../lib/versions.ts";
import type { BoardInfo } from "./boardContext.ts";

/** A board activity about versions, as the subscription delivers it. */
export interface VersionActivity {
  kind: string;
  backupVersionId?: string | null;
  byName?: string | null;
  versionName?: string | null;
  versionKind?: VersionKind | null;
}

interface Notice {
  message: string;
  backupId: string | null;
}

const NOTICE_MS = 20_000;

/**
 * Showing a board version in place of the live board, restoring it, and telling everyone about restores.
 * While a version is shown the canvas gets a sync whose document is the version's (a detached Y.Doc nobody
 * writes to) and a VIEWER role, so every card renders exactly as on the live board, read-only; presence and
 * the connection stay the live board's.
 */
export function useVersionView(live: BoardSync, info: BoardInfo, toast: (m: string) => void) {
  const [panel, setPanel] = useState(false);
  const [viewing, setViewing] = useState<{ version: BoardVersion; doc: Y.Doc | null } | null>(null);
  const [refresh, setRefresh] = useState(0);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busy, setBusy] = useState(false);
  /** Restores this browser made: their activity echo is not announced twice. */
  const mine = useRef(new Set<string>());
  const opening = useRef(0);

  const view = useCallback(
    (v: BoardVersion | null) => {
      const token = ++opening.current;
      if (!v) {
        setViewing(null);
        return;
      }
      setViewing({ version: v, doc: null });
      gql<{ boardVersion: { state: string } | null }>(Q_VERSION_STATE, { id: v.id })
        .then((r) => {
          if (token !== opening.current) return;
          if (!r.boardVersion) throw new Error("That version no longer exists.");
          setViewing({ version: v, doc: versionDoc(bytesFromBase64(r.boardVersion.state)) });
        })
        .catch((e) => {
          if (token !== opening.current) return;
          setViewing(null);
          toast(friendlyError(e));
        });
    },
    [toast],
  );
  useEffect(() => () => viewing?.doc?.destroy(), [viewing]);

  const restoreById = useCallback(
    async (id: string, what: { versionName: string | null; versionKind: VersionKind }) => {
      setBusy(true);
      try {
        const r = await gql<{ restoreBoardVersion: RestoreResult }>(M_RESTORE_VERSION, { id });
        const backupId = r.restoreBoardVersion.backup.id;
        mine.current.add(backupId);
        opening.current++;
        setViewing(null);
        setNotice({ message: restoreMessage({ byName: null, ...what }, true), backupId });
        setRefresh((n) => n + 1);
      } catch (e) {
        toast(friendlyError(e));
      } finally {
        setBusy(false);
      }
    },
    [toast],
  );
  const restore = useCallback(() => {
    if (!viewing) return;
    void restoreById(viewing.version.id, { versionName: viewing.version.name, versionKind: viewing.version.kind });
  }, [viewing, restoreById]);
  const undo = useCallback(() => {
    if (!notice?.backupId) return;
    void restoreById(notice.backupId, { versionName: null, versionKind: "BEFORE_RESTORE" });
  }, [notice, restoreById]);

  const onActivity = useCallback((a: VersionActivity) => {
    if (a.kind === "VERSIONS_CHANGED") setRefresh((n) => n + 1);
    if (a.kind !== "BOARD_RESTORED") return;
    setRefresh((n) => n + 1);
    if (a.backupVersionId && mine.current.has(a.backupVersionId)) return;
    setNotice({
      message: restoreMessage(
        { byName: a.byName ?? null, versionName: a.versionName ?? null, versionKind: a.versionKind ?? null },
        false,
      ),
      backupId: a.backupVersionId ?? null,
    });
  }, []);

  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => setNotice(null), NOTICE_MS);
    return () => clearTimeout(t);
  }, [notice]);

  const shownDoc = viewing?.doc ?? null;
  const sync = useMemo<BoardSync>(
    () => (shownDoc ? { ...live, doc: shownDoc, step: (fn) => fn() } : live),
    [live, shownDoc],
  );
  const shownInfo = useMemo<BoardInfo>(() => (viewing ? { ...info, role: "VIEWER" } : info), [info, viewing]);

  return {
    sync,
    info: shownInfo,
    panel,
    setPanel,
    viewing: viewing?.version ?? null,
    loading: viewing !== null && viewing.doc === null,
    view,
    restore,
    undo,
    busy,
    notice,
    dismissNotice: () => setNotice(null),
    refresh,
    onActivity,
  };
}

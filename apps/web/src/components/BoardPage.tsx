"use client";

import { useEffect, useState } from "react";
import { type BoardSync, connectBoard } from "../lib/boardSync.ts";
import { friendlyError, gql } from "../lib/gql.ts";
import { Q_BOARD } from "../lib/queries.ts";
import type { BoardInfo } from "./boardContext.ts";
import { Canvas } from "./Canvas.tsx";

interface BoardQuery {
  me: { id: string; displayName: string };
  board: { id: string; name: string; myRole: "OWNER" | "EDITOR" | "VIEWER"; viewersMayComment: boolean } | null;
  model: BoardInfo["model"];
  limits: BoardInfo["limits"];
}

/** Loads the board (role, model, limits), connects its Yjs document, and shows friendly errors. */
export function BoardPage({ boardId }: { boardId: string }) {
  const [info, setInfo] = useState<BoardInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sync, setSync] = useState<BoardSync | null>(null);

  useEffect(() => {
    let cancelled = false;
    gql<BoardQuery>(Q_BOARD, { id: boardId })
      .then((d) => {
        if (cancelled) return;
        if (!d.board) {
          setError("This board doesn't exist, or you don't have access to it. Ask its owner for a link.");
          return;
        }
        setInfo({
          boardId,
          name: d.board.name,
          role: d.board.myRole,
          viewersMayComment: d.board.viewersMayComment,
          me: d.me,
          model: d.model,
          limits: d.limits,
        });
      })
      .catch((e) => !cancelled && setError(friendlyError(e)));
    return () => {
      cancelled = true;
    };
  }, [boardId]);

  useEffect(() => {
    if (!info) return;
    const s = connectBoard(boardId);
    setSync(s);
    return () => s.destroy();
  }, [boardId, info]);

  if (error) {
    return (
      <main className="message-page" role="alert">
        <h1>Can't open this board</h1>
        <p>{error}</p>
        <a href="/">Back to your boards</a>
      </main>
    );
  }
  if (!info || !sync) {
    return (
      <main className="board-loading" aria-busy="true">
        <div className="skeleton toolbar-skeleton" />
        <p>Opening board…</p>
      </main>
    );
  }
  return <Canvas info={info} sync={sync} />;
}

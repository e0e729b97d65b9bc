import { useState } from "react";
import { friendlyError, gql } from "../lib/gql.ts";
import { M_SHARE, M_VIEWERS_COMMENT } from "../lib/queries.ts";
import { useBoard } from "./boardContext.ts";

/** Owners create an editor or viewer link; the join page takes the token. */
export function ShareButton() {
  const { info, toast } = useBoard();
  const [links, setLinks] = useState<{ role: string; url: string }[]>([]);
  const [viewersComment, setViewersComment] = useState(info.viewersMayComment);
  const allowViewers = async (allowed: boolean) => {
    setViewersComment(allowed);
    try {
      await gql(M_VIEWERS_COMMENT, { b: info.boardId, a: allowed });
    } catch (e) {
      setViewersComment(!allowed);
      toast(friendlyError(e));
    }
  };
  const create = async (role: "EDITOR" | "VIEWER") => {
    try {
      const r = await gql<{ createShareLink: { token: string; role: string } }>(M_SHARE, {
        boardId: info.boardId,
        role,
      });
      const url = `${window.location.origin}/join/${r.createShareLink.token}`;
      setLinks((l) => [...l.filter((x) => x.role !== role), { role, url }]);
      await navigator.clipboard?.writeText(url).catch(() => {});
    } catch (e) {
      toast(friendlyError(e));
    }
  };
  return (
    <details className="share">
      <summary>Share</summary>
      <div className="share-panel">
        <button type="button" onClick={() => create("EDITOR")}>
          Create editor link
        </button>
        <button type="button" onClick={() => create("VIEWER")}>
          Create viewer link
        </button>
        <label className="share-check">
          <input type="checkbox" checked={viewersComment} onChange={(e) => allowViewers(e.target.checked)} />
          Viewers may comment and react
        </label>
        {links.map((l) => (
          <label key={l.role}>
            {l.role === "VIEWER" ? "Viewer link" : "Editor link"}
            <input readOnly value={l.url} onFocus={(e) => e.target.select()} />
          </label>
        ))}
      </div>
    </details>
  );
}

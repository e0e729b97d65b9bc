import { LIMITS, REACTIONS } from "@tessera/shared";
import { Trash2 } from "lucide-react";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { friendlyError, gql } from "../lib/gql.ts";
import { splitMentions } from "../lib/mentions.ts";
import { ago } from "../lib/promptHistory.ts";
import {
  M_ADD_COMMENT,
  M_DELETE_COMMENT,
  M_REACT,
  M_READ,
  Q_CARD_THREAD,
  Q_MEMBERS,
  Q_THREAD,
} from "../lib/queries.ts";
import { useBoard } from "./boardContext.ts";

interface Thread {
  comments: { id: string; body: string; createdAt: string; author: { id: string; displayName: string } }[];
  reactions: { emoji: string; count: number; mine: boolean }[];
  unread: number;
  canComment: boolean;
}

/**
 * A candidate's comments and reactions in the gallery, or a card's comments (issue 18 item 2), live: any
 * change on the board to this thread refetches it. Opening it marks it read. Ctrl/⌘ + Enter sends.
 */
export function CommentThread({ candidateId, cardId }: { candidateId?: string; cardId?: string }) {
  const { onThreads, info, toast } = useBoard();
  const [thread, setThread] = useState<Thread | null>(null);
  const [body, setBody] = useState("");
  const [sending, setSending] = useState(false);
  // Board members, for @mentions (fetched once per open gallery; names only, no notifications).
  const [members, setMembers] = useState<{ id: string; displayName: string }[]>([]);
  useEffect(() => {
    let live = true;
    gql<{ board: { members: { user: { id: string; displayName: string } }[] } | null }>(Q_MEMBERS, { b: info.boardId })
      .then((r) => live && setMembers((r.board?.members ?? []).map((m) => m.user)))
      .catch(() => {}); // mentions then read as plain text
    return () => {
      live = false;
    };
  }, [info.boardId]);

  // Which thread, as every call names it: a candidate's, or a card's on this board.
  const where = candidateId ? { c: candidateId } : { board: info.boardId, k: cardId };
  const key = candidateId ?? `card:${cardId}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `where` follows `key`
  const load = useCallback(async () => {
    try {
      const t = candidateId
        ? (await gql<{ candidateThread: Thread }>(Q_THREAD, { c: candidateId })).candidateThread
        : (await gql<{ cardThread: Thread }>(Q_CARD_THREAD, { b: info.boardId, k: cardId })).cardThread;
      setThread(t);
      if (t.unread > 0) await gql(M_READ, where).catch(() => {});
    } catch (e) {
      toast(friendlyError(e));
    }
  }, [key, toast]);
  useEffect(() => {
    setThread(null);
    void load();
    return onThreads((e) => {
      if (candidateId ? e.candidateId === candidateId : e.candidateId === null && e.cardId === cardId) void load();
    });
  }, [candidateId, cardId, load, onThreads]);

  const send = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!body.trim() || sending) return;
    setSending(true);
    try {
      await gql(M_ADD_COMMENT, { ...where, b: body });
      setBody("");
      await load();
    } catch (err) {
      toast(friendlyError(err));
    } finally {
      setSending(false);
    }
  };
  const react = async (emoji: string) => {
    try {
      const r = await gql<{ toggleReaction: Thread["reactions"] }>(M_REACT, { c: candidateId, e: emoji });
      setThread((t) => (t ? { ...t, reactions: r.toggleReaction } : t));
    } catch (err) {
      toast(friendlyError(err));
    }
  };
  const remove = async (id: string) => {
    try {
      await gql(M_DELETE_COMMENT, { id });
      await load();
    } catch (err) {
      toast(friendlyError(err));
    }
  };

  if (!thread) return <p className="muted comments-loading">Loading comments…</p>;
  const count = (emoji: string) => thread.reactions.find((r) => r.emoji === emoji);
  return (
    <section className="comments" aria-label="Comments">
      {candidateId && (
        <fieldset className="reactions">
          <legend className="sr-only">Reactions</legend>
          {REACTIONS.map((emoji) => {
            const r = count(emoji);
            if (!thread.canComment && !r) return null;
            return (
              <button
                key={emoji}
                type="button"
                className="reaction"
                aria-pressed={r?.mine ?? false}
                disabled={!thread.canComment}
                aria-label={`${emoji} ${r?.count ?? 0}`}
                onClick={() => react(emoji)}
              >
                <span aria-hidden="true">{emoji}</span>
                {r ? <span className="reaction-count">{r.count}</span> : null}
              </button>
            );
          })}
        </fieldset>
      )}
      <h3 className="comments-title">Comments{thread.comments.length > 0 ? ` · ${thread.comments.length}` : ""}</h3>
      {thread.comments.length === 0 ? (
        <p className="muted empty-note">
          {thread.canComment
            ? candidateId
              ? "No comments yet: say what you like about this one."
              : "No comments yet: discuss this card here."
            : "No comments yet."}
        </p>
      ) : (
        <ol className="comment-list" aria-label="Comment thread">
          {thread.comments.map((c) => (
            <li key={c.id}>
              <div className="comment-head">
                <strong>{c.author.displayName}</strong>
                <span className="muted">{ago(c.createdAt)}</span>
                {(c.author.id === info.me.id || info.role === "OWNER") && (
                  <button
                    type="button"
                    className="comment-delete"
                    aria-label={`Delete ${c.author.displayName}'s comment`}
                    onClick={() => remove(c.id)}
                  >
                    <Trash2 className="icon" aria-hidden="true" />
                  </button>
                )}
              </div>
              <p className="comment-body">
                {splitMentions(c.body, members).map((r, i) =>
                  "mention" in r ? (
                    <mark
                      // biome-ignore lint/suspicious/noArrayIndexKey: runs of one fixed text, never reordered
                      key={i}
                      className={r.userId === info.me.id ? "mention me" : "mention"}
                      title={r.userId === info.me.id ? "Mentions you" : undefined}
                    >
                      {r.mention}
                    </mark>
                  ) : (
                    r.text
                  ),
                )}
              </p>
            </li>
          ))}
        </ol>
      )}
      {thread.canComment ? (
        <form className="comment-form" onSubmit={send}>
          <textarea
            aria-label="Add a comment"
            placeholder="Add a comment; @name mentions someone (Ctrl+Enter sends)"
            value={body}
            maxLength={LIMITS.commentMaxChars}
            rows={2}
            onChange={(e) => setBody(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void send();
            }}
          />
          <button type="submit" className="primary" disabled={!body.trim() || sending} aria-busy={sending}>
            Comment
          </button>
        </form>
      ) : (
        <p className="muted empty-note">Viewers can read the comments; the board's owner can let them write.</p>
      )}
    </section>
  );
}

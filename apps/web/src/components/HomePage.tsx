"use client";

import { LIMITS } from "@tessera/shared";
import { useRouter } from "next/navigation";
import { type FormEvent, useEffect, useState } from "react";
import { EXAMPLE_PROMPTS } from "../lib/examples.ts";
import { friendlyError, gql } from "../lib/gql.ts";
import { M_CREATE_BOARD, M_JOIN, M_SET_NAME, M_SIGN_OUT_OTHERS, Q_HOME } from "../lib/queries.ts";

interface HomeData {
  me: { id: string; displayName: string };
  boards: { id: string; name: string; updatedAt: string; myRole: string; pickThumbnails: string[] }[];
}

/** My boards with pick thumbnails, create, join by link, display name. */
export function HomePage() {
  const router = useRouter();
  const [data, setData] = useState<HomeData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [boardName, setBoardName] = useState("");
  const [link, setLink] = useState("");
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    gql<HomeData>(Q_HOME)
      .then((d) => {
        setData(d);
        // Don't overwrite what the person already started typing while the page loaded.
        setName((typed) => typed || d.me.displayName);
      })
      .catch((e) => setError(friendlyError(e)));
  }, []);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(friendlyError(e));
    } finally {
      setBusy(false);
    }
  };

  const create = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const r = await gql<{ createBoard: { id: string } }>(M_CREATE_BOARD, {
        name: boardName.trim() || "Untitled board",
      });
      router.push(`/b/${r.createBoard.id}`);
    });
  };
  const join = (e: FormEvent) => {
    e.preventDefault();
    const token =
      link
        .trim()
        .split(/[/?=#]/)
        .filter(Boolean)
        .pop() ?? "";
    void run(async () => {
      const r = await gql<{ joinBoard: { board: { id: string } } }>(M_JOIN, { token });
      router.push(`/b/${r.joinBoard.board.id}`);
    });
  };
  /** A board that starts with cards of prompts the model draws well, ready to generate. */
  const sample = () =>
    void run(async () => {
      const r = await gql<{ createBoard: { id: string } }>(M_CREATE_BOARD, { name: "Sample board" });
      router.push(`/b/${r.createBoard.id}?sample=1`);
    });
  const [signedOut, setSignedOut] = useState(false);
  const signOutOthers = () =>
    void run(async () => {
      await gql(M_SIGN_OUT_OTHERS);
      setSignedOut(true);
    });
  const saveName = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await gql(M_SET_NAME, { name: name.trim() });
      setSaved(true);
    });
  };

  return (
    <main className="home">
      <header className="home-header">
        <h1>Tessera</h1>
        <form onSubmit={saveName} className="inline-form">
          <label>
            Display name
            <input
              value={name}
              maxLength={LIMITS.displayNameMaxChars}
              onChange={(e) => {
                setName(e.target.value);
                setSaved(false);
              }}
            />
          </label>
          <button type="submit" disabled={busy || !name.trim()}>
            Save
          </button>
          {saved && <span role="status">Saved</span>}
        </form>
      </header>
      <section className="intro" aria-labelledby="intro-title">
        <h2 id="intro-title">Make pictures together, live</h2>
        <p>
          Write prompts on a shared board, press <strong>Generate</strong>, and everyone on the board watches the
          candidates appear token by token. A CLIP model ranks them against the prompt; the team votes on the pick.
        </p>
        <p className="muted">Prompts that work — stickers on a plain background, in English or Chinese:</p>
        <ul className="examples">
          {EXAMPLE_PROMPTS.map((p) => (
            <li key={p}>
              <q>{p}</q>
            </li>
          ))}
        </ul>
        <button type="button" className="primary" disabled={busy} onClick={sample}>
          Open a sample board
        </button>
      </section>
      {error && (
        <p role="alert" className="error-banner">
          {error}
        </p>
      )}
      <section className="home-actions">
        <form onSubmit={create} className="inline-form">
          <label>
            New board
            <input
              value={boardName}
              placeholder="Board name"
              maxLength={LIMITS.boardNameMaxChars}
              onChange={(e) => setBoardName(e.target.value)}
            />
          </label>
          <button type="submit" disabled={busy}>
            Create board
          </button>
        </form>
        <form onSubmit={join} className="inline-form">
          <label>
            Join by link
            <input value={link} placeholder="Paste a board link" onChange={(e) => setLink(e.target.value)} />
          </label>
          <button type="submit" disabled={busy || !link.trim()}>
            Join
          </button>
        </form>
      </section>
      <section aria-label="My boards" className="board-list">
        {!data && !error && [0, 1, 2].map((i) => <div key={i} className="board-tile skeleton" aria-hidden />)}
        {data && data.boards.length === 0 && (
          <p className="empty">No boards yet. Create one above, or paste a link a teammate sent you.</p>
        )}
        {data?.boards.map((b) => (
          <a key={b.id} href={`/b/${b.id}`} className="board-tile">
            <div className="thumbs">
              {b.pickThumbnails.length === 0 ? (
                <span className="thumbs-empty">No picks yet</span>
              ) : (
                b.pickThumbnails.map((src) => <img key={src} src={src} alt="" />)
              )}
            </div>
            <strong>{b.name}</strong>
            <small>{b.myRole.toLowerCase()}</small>
          </a>
        ))}
      </section>
      <footer className="home-footer">
        <button type="button" className="link" disabled={busy} onClick={signOutOthers}>
          Sign out other devices
        </button>
        {signedOut && <span role="status">Other browsers and devices are signed out; this one stays.</span>}
      </footer>
    </main>
  );
}

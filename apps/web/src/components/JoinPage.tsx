"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { friendlyError, gql } from "../lib/gql.ts";
import { M_JOIN } from "../lib/queries.ts";

/** Redeems a share link and opens its board. */
export function JoinPage({ token }: { token: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    gql<{ joinBoard: { board: { id: string } } }>(M_JOIN, { token })
      .then((r) => router.replace(`/b/${r.joinBoard.board.id}`))
      .catch((e) => setError(friendlyError(e)));
  }, [token, router]);
  return (
    <main className="message-page" role={error ? "alert" : "status"}>
      {error ? (
        <>
          <h1>This link doesn't work</h1>
          <p>{error}</p>
          <a href="/">Back to your boards</a>
        </>
      ) : (
        <p>Joining board…</p>
      )}
    </main>
  );
}

import { type Client, createClient } from "graphql-ws";

/** One graphql-ws client per page, on the same origin's /graphql (cookies go with the upgrade). */
let client: Client | null = null;

export function liveClient(): Client {
  if (!client) {
    const proto = window.location.protocol === "https:" ? "wss" : "ws";
    client = createClient({
      url: `${proto}://${window.location.host}/graphql`,
      lazy: true,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: () => true,
    });
  }
  return client;
}

/** Subscribes and calls `onData` per event; returns the unsubscribe. */
export function subscribe<T>(
  query: string,
  variables: Record<string, unknown>,
  onData: (data: T) => void,
  onError?: (err: unknown) => void,
): () => void {
  return liveClient().subscribe<T>(
    { query, variables },
    {
      next: (msg) => {
        if (msg.data) onData(msg.data as T);
      },
      error: (err) => onError?.(err),
      complete: () => {},
    },
  );
}

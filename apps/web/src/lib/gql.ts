/**
 * A tiny GraphQL client: plain fetch to the same-origin /graphql (the session cookie rides along), typed
 * errors with the API's stable codes, so pages can show a friendly message for each.
 */
export class GqlError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "GqlError";
  }
}

interface GqlResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch("/graphql", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "apollo-require-preflight": "true" },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new GqlError("The server cannot be reached. Check your connection and try again.", "NETWORK");
  }
  let body: GqlResponse<T>;
  try {
    body = (await res.json()) as GqlResponse<T>;
  } catch {
    if (res.status === 429) throw new GqlError("Too many requests. Wait a moment and try again.", "RATE_LIMITED");
    throw new GqlError(`The server answered ${res.status} without data.`, "SERVER");
  }
  const first = body.errors?.[0];
  if (first) throw new GqlError(first.message, first.extensions?.code ?? "SERVER");
  if (!body.data) throw new GqlError("The server answered without data.", "SERVER");
  return body.data;
}

/** A sentence a person can act on, for any error a page may meet. */
export function friendlyError(err: unknown): string {
  const code = err instanceof GqlError ? err.code : "";
  switch (code) {
    case "RATE_LIMITED":
      // The API says which limit it was (generations, new guests, boards) in a sentence meant for people.
      return err instanceof Error && err.message ? err.message : "Too many requests. Wait a moment and try again.";
    case "NETWORK":
    case "SERVER":
    case "INTERNAL_SERVER_ERROR":
      return "The server is having trouble right now. Your board is safe; try again shortly.";
    case "NOT_FOUND":
    case "BOARD_NOT_FOUND":
      return "This board doesn't exist (or was deleted).";
    case "FORBIDDEN":
    case "UNAUTHENTICATED":
      return "You don't have access to this board. Ask its owner for a link.";
    default:
      return err instanceof Error ? err.message : "Something went wrong.";
  }
}

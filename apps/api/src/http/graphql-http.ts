/** GraphQL over HTTP through Apollo Server 5 on Node's HTTP server (no Express). */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ApolloServer, HeaderMap } from "@apollo/server";
import { BROKEN_TEXT_MESSAGE, containsBrokenText, LIMITS } from "@tessera/shared";
import type { Context } from "../graphql/context.ts";
import { HttpError, readBody } from "./read-body.ts";

/** The request's body, read (up to the limit) and parsed as JSON when it says so. */
async function readGraphqlBody(req: IncomingMessage): Promise<unknown> {
  if (req.method !== "POST") return undefined;
  const raw = await readBody(req, LIMITS.httpBodyMaxBytes);
  const type = req.headers["content-type"] ?? "";
  if (!type.includes("json")) return raw;
  let body: unknown;
  try {
    body = raw.length ? JSON.parse(raw) : undefined;
  } catch {
    throw new HttpError(400, "The request body is not valid JSON.");
  }
  // JSON's "\ud800" escapes make strings PostgreSQL can't store: refused here, for every argument at once.
  if (containsBrokenText(body)) throw new HttpError(400, BROKEN_TEXT_MESSAGE);
  return body;
}

export async function handleGraphqlHttp(
  apollo: ApolloServer<Context>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  context: () => Promise<Context>,
): Promise<void> {
  const body = await readGraphqlBody(req);
  const headers = new HeaderMap();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
  }
  const result = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
    context,
  });
  for (const [k, v] of result.headers) res.setHeader(k, v);
  res.statusCode = result.status ?? 200;
  if (result.body.kind === "complete") {
    res.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
}

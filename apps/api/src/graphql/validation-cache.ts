import type { DocumentNode, GraphQLError } from "graphql";
import { LRUCache } from "lru-cache";

/**
 * Remembers which document texts passed validation, for graphql-ws (Apollo Server keeps its own cache for
 * HTTP). Everyone watching a generation subscribes with the same document, and validating it against the
 * schema and the depth, cost and alias rules took most of each subscribe's time (bench:api profile: ~1 s
 * of the event loop for 1,200 subscribes of one text). The outcome depends on the text alone — schema and
 * rules are fixed for the server's life — so a text that passed once passes again. Failures are not kept
 * (their errors are rebuilt each time), and long texts are always validated, so the cache stays small.
 */
export function cachingValidator(
  validate: (doc: DocumentNode) => readonly GraphQLError[],
  { maxEntries = 500, maxTextLength = 8 * 1024 } = {},
): (doc: DocumentNode) => readonly GraphQLError[] {
  const valid = new LRUCache<string, true>({ max: maxEntries });
  return (doc) => {
    const text = doc.loc?.source.body;
    if (text === undefined || text.length > maxTextLength) return validate(doc);
    if (valid.get(text)) return [];
    const errors = validate(doc);
    if (errors.length === 0) valid.set(text, true);
    return errors;
  };
}

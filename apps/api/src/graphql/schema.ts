/** The executable schema: the shared SDL plus this package's resolvers. */

import { readFileSync } from "node:fs";
import { makeExecutableSchema } from "@graphql-tools/schema";
import { GraphQLScalarType, Kind } from "graphql";
import { boardFields, boardMutations, boardQueries } from "./board-resolvers.ts";
import { commentFields, commentMutations, commentQueries } from "./comment-resolvers.ts";
import {
  candidateFields,
  generationFields,
  generationMutations,
  generationQueries,
  modelFields,
  subscriptions,
} from "./generation-resolvers.ts";
import { matrixFields, matrixGenerationFields, matrixMutations, matrixQueries } from "./matrix-resolvers.ts";
import { searchCandidateFields, searchQueries } from "./search-resolvers.ts";
import { versionFields, versionMutations, versionQueries } from "./version-resolvers.ts";

const SDL = readFileSync(new URL("../../../../packages/shared/schema.graphql", import.meta.url), "utf8");

const DateTime = new GraphQLScalarType({
  name: "DateTime",
  serialize: (v) => (v instanceof Date ? v.toISOString() : String(v)),
  parseValue: (v) => new Date(String(v)),
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? new Date(ast.value) : null),
});
const JSONScalar = new GraphQLScalarType({ name: "JSON", serialize: (v) => v, parseValue: (v) => v });

export function buildSchema() {
  return makeExecutableSchema({
    typeDefs: SDL,
    resolvers: {
      DateTime,
      JSON: JSONScalar,
      Query: {
        ...boardQueries,
        ...generationQueries,
        ...commentQueries,
        ...versionQueries,
        ...matrixQueries,
        ...searchQueries,
      },
      Mutation: {
        ...boardMutations,
        ...generationMutations,
        ...commentMutations,
        ...versionMutations,
        ...matrixMutations,
      },
      Subscription: subscriptions,
      Board: boardFields,
      Generation: { ...generationFields, ...matrixGenerationFields },
      PromptMatrix: matrixFields,
      Candidate: { ...candidateFields, ...searchCandidateFields },
      ModelInfo: modelFields,
      Comment: commentFields,
      BoardVersion: versionFields,
    },
  });
}

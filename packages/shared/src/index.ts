// @tessera/shared: the contracts every app agrees on. Nothing here imports an app.
export * from "./base64.ts";
export * from "./board.ts";
export * from "./board-validation.ts";
export * from "./board-versions.ts";
export * from "./card-settings.ts";
export * from "./errors.ts";
export type * as GQL from "./generated/graphql.ts";
export * from "./generation.ts";
export * from "./limits.ts";
export * from "./manifest.ts";
export * from "./prompt-matrix.ts";
export * from "./prompt-words.ts";
export * from "./search.ts";
export * from "./text.ts";

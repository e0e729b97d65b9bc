// @tessera/api: the one server a browser talks to.
export { type Auth, createAuth, type Session, signSession } from "./auth/index.ts";
export { type Config, loadConfig } from "./config.ts";
export { createPrisma, migrate, openDatabase } from "./db/index.ts";
export type { GenerationEngine } from "./generation/engine.ts";
export { type ApiServer, type ApiServerOptions, type Fallback, startApiServer } from "./server.ts";
export { exitOnSignals } from "./shutdown.ts";

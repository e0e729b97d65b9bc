import { createRequire } from "node:module";
import { defineProject } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineProject({
  // graphql 16 has no "exports": Node loads its CJS build for dependencies (@graphql-tools, graphql-ws)
  // while Vite would pick the .mjs one for our sources — two "graphql" realms. Pin ours to Node's choice.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }] },
  test: {
    name: "api",
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 30_000,
    globalSetup: ["test/global-setup.ts"],
  },
});

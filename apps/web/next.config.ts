import type { NextConfig } from "next";

// @tessera/shared is consumed as TypeScript source (with explicit .ts import extensions), so Next compiles it.
const config: NextConfig = {
  transpilePackages: ["@tessera/shared"],
  // `npm start` serves Next in the API's process: bundled into the server chunks, yjs would be a second copy
  // beside the API's ("Yjs was already imported", broken instanceof checks). Loaded from node_modules it is one.
  serverExternalPackages: ["yjs"],
  reactStrictMode: true,
  poweredByHeader: false,
};

export default config;

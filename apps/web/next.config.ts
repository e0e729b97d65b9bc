import type { NextConfig } from "next";

// @tessera/shared is consumed as TypeScript source (with explicit .ts import extensions), so Next compiles it.
const config: NextConfig = {
  transpilePackages: ["@tessera/shared"],
  reactStrictMode: true,
  poweredByHeader: false,
};

export default config;

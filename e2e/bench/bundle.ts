import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * First-load JS of a route from `next build`'s own diagnostics (.next/diagnostics/route-bundle-stats.json
 * lists the chunks a route loads first), gzipped at level 9 as a CDN would serve them.
 */
export interface RouteSize {
  route: string;
  rawBytes: number;
  gzipBytes: number;
}

export function firstLoadSizes(nextDir: string): RouteSize[] {
  const stats = JSON.parse(readFileSync(join(nextDir, "diagnostics", "route-bundle-stats.json"), "utf8")) as {
    route: string;
    firstLoadChunkPaths: string[];
  }[];
  return stats.map((r) => {
    let rawBytes = 0;
    let gzipBytes = 0;
    for (const p of r.firstLoadChunkPaths) {
      const bytes = readFileSync(join(nextDir, p.replace(/^\.next\//, "")));
      rawBytes += bytes.length;
      gzipBytes += gzipSync(bytes, { level: 9 }).length;
    }
    return { route: r.route, rawBytes, gzipBytes };
  });
}

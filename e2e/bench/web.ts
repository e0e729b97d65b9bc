import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { chromium } from "@playwright/test";
import { CHROMIUM, REPO_ROOT, stackEnv } from "../stack.ts";
import { firstLoadSizes } from "./bundle.ts";
import { firstPaints } from "./first-paint.ts";
import { panFrameTimes, percentile, seedCards } from "./pan.ts";

/**
 * npm run bench:web — prints the board page's first-load JS (gzip) from a fresh `next build`, then starts
 * the real stack, puts 200 cards on a board and prints the p95 frame time of a pan in Chromium, then, on
 * a fresh board, how soon a watcher sees a generation: the first token painted against the first decoded
 * preview, and how many pictures a tile goes through before its final image.
 * Flags: --no-build (reuse apps/web/.next), --size-only (skip the pan and the generations).
 */
const args = new Set(process.argv.slice(2));
const WEB = join(REPO_ROOT, "apps", "web");
const CARDS = 200;
const PAINT_RUNS = 5;

function kB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} kB`;
}

async function waitHealthy(url: string, server: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (server.exitCode !== null) throw new Error(`npm start exited with ${server.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} not healthy after ${timeoutMs} ms`);
}

async function main(): Promise<void> {
  if (!args.has("--no-build")) {
    console.log("next build …");
    execFileSync("npx", ["next", "build"], {
      cwd: WEB,
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    });
  }
  const sizes = firstLoadSizes(join(WEB, ".next"));
  for (const s of sizes)
    console.log(`first-load JS ${s.route.padEnd(16)} ${kB(s.gzipBytes).padStart(10)} gzip (${kB(s.rawBytes)} raw)`);
  const board = sizes.find((s) => s.route === "/b/[id]");
  console.log(`board page first-load JS: ${board ? kB(board.gzipBytes) : "n/a"} gzip (target ≤ 300 kB)`);
  if (args.has("--size-only")) return;

  const { baseURL, env } = stackEnv();
  const server = spawn("npm", ["start"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  const browser = await chromium.launch({ headless: true, ...CHROMIUM });
  try {
    await waitHealthy(`${baseURL}/healthz`, server, 240_000);
    const page = await (await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto("/");
    await page.getByLabel("New board").fill("Pan benchmark");
    await page.getByRole("button", { name: "Create board" }).click();
    await page.waitForURL(/\/b\//);
    await seedCards(page, CARDS);
    for (const view of ["fit", "zoomed"] as const) {
      const frames = await panFrameTimes(page, 240, view);
      const mean = frames.reduce((x, y) => x + y, 0) / frames.length;
      console.log(
        `pan with ${CARDS} cards (${view === "fit" ? "all on screen" : "zoomed in"}): ${frames.length} frames, mean ${mean.toFixed(1)} ms, p50 ${percentile(frames, 50).toFixed(1)} ms, p95 ${percentile(frames, 95).toFixed(1)} ms (target ≤ 20 ms), max ${Math.max(...frames).toFixed(1)} ms`,
      );
    }
    await page.goto("/");
    await page.getByLabel("New board").fill("First paint");
    await page.getByRole("button", { name: "Create board" }).click();
    await page.waitForURL(/\/b\//);
    const paints = await firstPaints(page, PAINT_RUNS);
    const med = (k: "firstToken" | "firstPreview" | "finished" | "tileSteps") =>
      percentile(
        paints.map((p) => p[k] ?? Number.NaN),
        50,
      );
    console.log(
      `a generation of 4, seen by its watcher (median of ${PAINT_RUNS}, ms after pressing Generate): first token painted ${med("firstToken").toFixed(0)}, first decoded preview ${med("firstPreview").toFixed(0)}, all finished ${med("finished").toFixed(0)}; pictures a tile shows before its final image: ${med("tileSteps")} (token rows and previews; previews alone would be 3)`,
    );
    console.log(
      `  per run (first token / first preview / finished, steps): ${paints.map((p) => `${p.firstToken?.toFixed(0)} / ${p.firstPreview?.toFixed(0)} / ${p.finished.toFixed(0)}, ${p.tileSteps}`).join("; ")}`,
    );
  } finally {
    await browser.close();
    if (server.pid) process.kill(-server.pid, "SIGTERM");
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

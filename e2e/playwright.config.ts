import { defineConfig } from "@playwright/test";
import { CHROMIUM, REPO_ROOT, stackEnv } from "./stack.ts";

const { baseURL, env } = stackEnv();

// One worker: the tests share one stack and the machine has two (contended) cores.
export default defineConfig({
  testDir: "./tests",
  outputDir: "./test-results",
  workers: 1,
  timeout: 150_000,
  expect: { timeout: 20_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    headless: true,
    launchOptions: CHROMIUM,
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
  },
  webServer: {
    command: "npm start",
    cwd: REPO_ROOT,
    env,
    url: `${baseURL}/healthz`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
  },
});

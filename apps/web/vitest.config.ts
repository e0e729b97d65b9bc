import { defineProject } from "vitest/config";

// Pure logic of the web app (text diffing, camera maths, picks); the browser flows are in e2e/.
export default defineProject({
  test: { name: "web", include: ["src/**/*.test.ts"] },
});

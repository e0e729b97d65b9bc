import { defineConfig } from "vitest/config";

// One runner for every workspace; each project keeps its tests beside its code (and apps keep
// integration tests in test/).
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
  },
});

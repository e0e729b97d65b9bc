import { defineProject } from "vitest/config";

// Unit tests sit beside the code; integration tests in test/ load the real bundle (models/tessera-sticker or
// TESSERA_MODEL_DIR) and run real ONNX models, so they get a longer timeout.
export default defineProject({
  test: {
    name: "gpu-runner",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

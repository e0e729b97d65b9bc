import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { repoRoot } from "../src/config.ts";

export type TorchResult = { ok: true; ms: number } | { ok: false; reason: string };

/**
 * Runs the same 8 × 256 guided generation with the model lab's PyTorch model in eager mode
 * (bench/torch_reference.py, through the lab's .venv) and returns its wall time, CLIP ranking included.
 * TESSERA_TORCH_CHECKPOINT names the lab work dir to load (else ml/runs/sticker).
 */
export async function runTorchReference(modelDir: string, prompt: string, n: number): Promise<TorchResult> {
  const root = repoRoot();
  const python = path.join(root, ".venv", "bin", "python");
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "torch_reference.py");
  if (!existsSync(python))
    return { ok: false, reason: `no ${python}; run npm run test:ml once to create the lab's venv` };
  if (!existsSync(script)) return { ok: false, reason: `no ${script}` };
  return new Promise((resolve) => {
    const checkpoint = process.env.TESSERA_TORCH_CHECKPOINT;
    const args = [script, "--bundle", modelDir, "--prompt", prompt, "--n", String(n)];
    if (checkpoint) args.push("--checkpoint", checkpoint);
    const child = spawn(python, args, {
      cwd: root,
      env: { ...process.env, PYTHONPATH: root },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", (e) => resolve({ ok: false, reason: e.message }));
    child.on("close", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      try {
        const parsed = JSON.parse(last) as { ms?: number; error?: string };
        if (code === 0 && typeof parsed.ms === "number") return resolve({ ok: true, ms: parsed.ms });
        resolve({ ok: false, reason: parsed.error ?? `exit ${code}` });
      } catch {
        resolve({ ok: false, reason: `exit ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}` });
      }
    });
  });
}

import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { type CandidateRanking, type GenerationTimings, isTesseraError } from "@tessera/shared";
import { contactSheet } from "../render/contact-sheet.ts";
import { Runner } from "../runner.ts";
import { ProgressBar } from "./progress-bar.ts";

const USAGE = `Usage: npm run generate -- "<prompt>" [--n 8] [--seed 1] [--out out/]
  [--temperature T] [--top-k K] [--top-p P] [--guidance G] [--model-dir DIR]

Writes candidate-<i>.png for every candidate, contact-sheet.png (best CLIP rank first) and ranking.json.`;

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${value}"`);
  return n;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      n: { type: "string", default: "8" },
      seed: { type: "string", default: "1" },
      out: { type: "string", default: "out" },
      temperature: { type: "string" },
      "top-k": { type: "string" },
      "top-p": { type: "string" },
      guidance: { type: "string" },
      "model-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || positionals.length !== 1) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const runner = await Runner.create(
    values["model-dir"] ? { modelDir: values["model-dir"], previewEveryRows: 0 } : { previewEveryRows: 0 },
  );
  try {
    const request = {
      prompt: positionals[0]!,
      n: number("n", values.n)!,
      seed: number("seed", values.seed)!,
      params: {
        temperature: number("temperature", values.temperature),
        topK: number("top-k", values["top-k"]),
        topP: number("top-p", values["top-p"]),
        guidanceScale: number("guidance", values.guidance),
      },
    };
    const outDir = path.resolve(values.out!);
    await mkdir(outDir, { recursive: true });
    const { gridRows } = runner.model();
    const pngs: Uint8Array[] = [];
    let ranking: CandidateRanking[] = [];
    let timings: GenerationTimings | null = null;
    let rowChunks = 0;
    let bar: ProgressBar | null = null;
    for await (const e of runner.generate(request)) {
      switch (e.type) {
        case "started":
          if (e.unknownWords.length > 0)
            console.error(`Words the model never saw (it may ignore them): ${e.unknownWords.join(", ")}`);
          bar = new ProgressBar(e.n * gridRows);
          bar.update(0, "decoding");
          break;
        case "tokens":
          rowChunks++;
          bar?.update(rowChunks, `row ${Math.ceil(rowChunks / request.n)}/${gridRows}`);
          break;
        case "candidateFinished":
          pngs[e.candidate] = e.png;
          await writeFile(path.join(outDir, `candidate-${e.candidate}.png`), e.png);
          break;
        case "ranking":
          ranking = e.ranking;
          break;
        case "finished":
          timings = e.timings;
          break;
        case "failed":
          throw new Error(`generation failed (${e.code}): ${e.message}`);
        case "cancelled":
        case "preview":
        case "restarted":
          break;
      }
    }
    const ordered = [...ranking].sort((a, b) => a.rank - b.rank);
    await writeFile(path.join(outDir, "contact-sheet.png"), contactSheet(ordered.map((r) => pngs[r.candidate]!)));
    const model = runner.model();
    const d = model.defaults;
    const p = request.params;
    const params = {
      temperature: p.temperature ?? d.temperature,
      topK: p.topK ?? d.topK,
      topP: p.topP ?? d.topP,
      guidanceScale: p.guidanceScale ?? d.guidanceScale,
    };
    await writeFile(
      path.join(outDir, "ranking.json"),
      `${JSON.stringify({ prompt: request.prompt, n: request.n, seed: request.seed, params, model: { name: model.name, version: model.version }, ranking: ordered.map((r) => ({ ...r, file: `candidate-${r.candidate}.png` })), timings }, null, 2)}\n`,
    );
    bar?.done(
      `Wrote ${request.n} candidates, contact-sheet.png and ranking.json to ${outDir} in ${timings?.totalMs ?? "?"} ms.`,
    );
    return 0;
  } finally {
    await runner.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(isTesseraError(e) ? `${e.code}: ${e.message}` : (e as Error).message);
    process.exitCode = 1;
  },
);

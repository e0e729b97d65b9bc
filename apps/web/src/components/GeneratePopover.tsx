import { LIMITS } from "@tessera/shared";
import { type FormEvent, useState } from "react";
import { useBoard } from "./boardContext.ts";

export interface GenerateParams {
  n: number;
  guidanceScale: number;
  temperature: number;
  seed: number | null;
  /** "Without …": empty for none. */
  negativePrompt: string;
}

/** Number of candidates, guidance, temperature and an optional seed; bounded by the API's limits. */
export function GeneratePopover({ onSubmit, onClose }: { onSubmit(p: GenerateParams): void; onClose(): void }) {
  const { info } = useBoard();
  const d = info.model.defaults;
  const [n, setN] = useState(d.n);
  const [guidance, setGuidance] = useState(d.guidanceScale);
  const [temperature, setTemperature] = useState(d.temperature);
  const [seed, setSeed] = useState("");
  const [without, setWithout] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const s = seed.trim() === "" ? null : Math.trunc(Number(seed));
    onSubmit({
      n,
      guidanceScale: guidance,
      temperature,
      seed: s !== null && Number.isFinite(s) ? s : null,
      negativePrompt: without.trim(),
    });
  };
  return (
    <form
      className="popover"
      aria-label="Generation settings"
      onSubmit={submit}
      onPointerDown={(e) => e.stopPropagation()}
    >
      <label>
        Candidates
        <input
          type="number"
          min={1}
          max={info.limits.candidatesMax}
          value={n}
          onChange={(e) => setN(Number(e.target.value))}
        />
      </label>
      <label>
        Guidance {guidance.toFixed(1)}
        <input
          type="range"
          min={0}
          max={LIMITS.guidanceScaleMax}
          step={0.5}
          value={guidance}
          onChange={(e) => setGuidance(Number(e.target.value))}
        />
      </label>
      <label>
        Temperature {temperature.toFixed(2)}
        <input
          type="range"
          min={0.1}
          max={2}
          step={0.05}
          value={temperature}
          onChange={(e) => setTemperature(Number(e.target.value))}
        />
      </label>
      <label>
        Seed
        <input
          inputMode="numeric"
          placeholder="random"
          value={seed}
          max={LIMITS.seedMax}
          onChange={(e) => setSeed(e.target.value.replace(/\D/g, ""))}
        />
      </label>
      <label title="Steers the images away from this (with guidance above 1) and ranks images that show it lower">
        Without
        <input
          placeholder="e.g. red, a cat"
          value={without}
          maxLength={Math.min(LIMITS.promptMaxChars, info.limits.promptMaxChars)}
          onChange={(e) => setWithout(e.target.value)}
        />
      </label>
      <div className="popover-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
        <button type="submit" className="primary">
          Generate {n}
        </button>
      </div>
    </form>
  );
}

import { type CardSettings, LIMITS } from "@tessera/shared";
import { RotateCcw } from "lucide-react";
import { type FormEvent, useState } from "react";
import { useBoard } from "./boardContext.ts";

/** The settings of one generation: what a prompt card stores (`Card.settings`). */
export type GenerateParams = CardSettings;

/**
 * Number of candidates, guidance, temperature, an optional seed and "without"; bounded by the API's limits.
 * Starts from the card's own settings (its last run, or a preset / history entry put on it).
 */
export function GeneratePopover({
  initial,
  onSubmit,
  onClose,
}: {
  initial: GenerateParams;
  onSubmit(p: GenerateParams): void;
  onClose(): void;
}) {
  const { info } = useBoard();
  const d = info.model.defaults;
  const [n, setN] = useState(initial.n);
  const [guidance, setGuidance] = useState(initial.guidanceScale);
  const [temperature, setTemperature] = useState(initial.temperature);
  const [seed, setSeed] = useState(initial.seed === null ? "" : String(initial.seed));
  const [without, setWithout] = useState(initial.negativePrompt);
  const isDefault =
    n === d.n && guidance === d.guidanceScale && temperature === d.temperature && seed === "" && without.trim() === "";
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const s = seed.trim() === "" ? null : Math.min(LIMITS.seedMax, Math.trunc(Number(seed)));
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
        {!isDefault && (
          <button
            type="button"
            className="reset-settings"
            aria-label="Reset to the model's defaults"
            title="Reset to the model's defaults"
            onClick={() => {
              setN(d.n);
              setGuidance(d.guidanceScale);
              setTemperature(d.temperature);
              setSeed("");
              setWithout("");
            }}
          >
            <RotateCcw className="icon" aria-hidden="true" />
          </button>
        )}
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

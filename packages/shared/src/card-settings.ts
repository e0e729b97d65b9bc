import { z } from "zod";
import { seedSchema } from "./generation.ts";
import { LIMITS } from "./limits.ts";
import { BROKEN_TEXT_MESSAGE, isWellFormedText } from "./text.ts";

/**
 * What a prompt card remembers about how to generate (the Generate settings), and what a board preset
 * holds. Both live in the Yjs document as plain JSON values, so the server's update check (board-validation)
 * parses them with these schemas: an editor can't store a value the app would not accept.
 */

const storedText = (max: number) => z.string().max(max).refine(isWellFormedText, BROKEN_TEXT_MESSAGE);

export const cardSettingsSchema = z.strictObject({
  n: z.number().int().min(LIMITS.candidatesMin).max(LIMITS.candidatesMax),
  guidanceScale: z.number().finite().min(0).max(LIMITS.guidanceScaleMax),
  temperature: z.number().finite().gt(0).max(LIMITS.temperatureMax),
  /** null: a new random seed each time. */
  seed: seedSchema.nullable(),
  /** "Without …"; empty for none. */
  negativePrompt: storedText(LIMITS.promptMaxChars),
});

export type CardSettings = z.infer<typeof cardSettingsSchema>;

export const presetNameSchema = storedText(LIMITS.presetNameMaxChars)
  .transform((s) => s.normalize("NFC").trim())
  .pipe(z.string().min(1, "Give the preset a name."));

/** A named prompt + settings, saved on a board for everyone on it. */
export const presetSchema = z.strictObject({
  name: presetNameSchema,
  prompt: storedText(LIMITS.promptMaxChars),
  settings: cardSettingsSchema,
  createdBy: z.string().max(64).nullable(),
  createdAt: z.number().finite().min(0),
});

export type Preset = z.infer<typeof presetSchema> & { id: string };

/** The settings of a card that has none of its own: the model's defaults, a random seed, nothing "without". */
export function defaultCardSettings(d: { n: number; guidanceScale: number; temperature: number }): CardSettings {
  return { n: d.n, guidanceScale: d.guidanceScale, temperature: d.temperature, seed: null, negativePrompt: "" };
}

/** One line a person can read: "8 images · guidance 3 · temperature 1 · seed 42 · without red". */
export function describeSettings(s: CardSettings): string {
  const parts = [
    `${s.n} image${s.n === 1 ? "" : "s"}`,
    `guidance ${+s.guidanceScale.toFixed(2)}`,
    `temperature ${+s.temperature.toFixed(2)}`,
    s.seed === null ? "random seed" : `seed ${s.seed}`,
  ];
  if (s.negativePrompt) parts.push(`without “${s.negativePrompt}”`);
  return parts.join(" · ");
}

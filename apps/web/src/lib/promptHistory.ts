import type { CardSettings } from "@tessera/shared";

/** One generation of the board as the prompt history shows it (Q_BOARD_PROMPTS). */
export interface BoardPromptGeneration {
  id: string;
  prompt: string;
  n: number;
  seed: number;
  status: string;
  createdAt: string;
  createdBy: { displayName: string } | null;
  params: { guidanceScale: number; temperature: number; negativePrompt?: string | null };
  candidates: { rank: number | null; imageUrl?: string | null }[];
}

export interface PromptHistoryEntry {
  key: string;
  prompt: string;
  settings: CardSettings;
  /** How many generations used exactly this prompt and these settings. */
  uses: number;
  lastAt: string;
  lastBy: string | null;
  thumbnail: string | null;
}

/** A generation's prompt and settings as a card stores them: restoring the seed remakes the same images. */
export function settingsOf(g: BoardPromptGeneration): CardSettings {
  return {
    n: g.n,
    guidanceScale: g.params.guidanceScale,
    temperature: g.params.temperature,
    seed: g.seed,
    negativePrompt: g.params.negativePrompt ?? "",
  };
}

/**
 * The board's prompt history, newest first: generations with the same prompt and settings fold into one
 * entry (a seed differs for every run unless it was fixed, so "the same" includes the seed). The picture is
 * the newest finished run's CLIP #1.
 */
export function promptHistory(gens: BoardPromptGeneration[]): PromptHistoryEntry[] {
  const out = new Map<string, PromptHistoryEntry>();
  const sorted = [...gens].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  for (const g of sorted) {
    const settings = settingsOf(g);
    const key = JSON.stringify([g.prompt, settings]);
    const thumb =
      g.candidates.find((c) => c.rank === 1 && c.imageUrl)?.imageUrl ?? g.candidates.find((c) => c.imageUrl)?.imageUrl;
    const seen = out.get(key);
    if (seen) {
      seen.uses++;
      seen.thumbnail ??= thumb ?? null;
      continue;
    }
    out.set(key, {
      key,
      prompt: g.prompt,
      settings,
      uses: 1,
      lastAt: g.createdAt,
      lastBy: g.createdBy?.displayName ?? null,
      thumbnail: thumb ?? null,
    });
  }
  return [...out.values()];
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s) || s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  const d = Math.floor(s / 86400);
  return `${d} day${d === 1 ? "" : "s"} ago`;
}

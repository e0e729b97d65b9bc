import { useEffect, useMemo, useRef, useState } from "react";
import { useBoard } from "./boardContext.ts";
import { useEscape } from "./useEscape.ts";

/** Only our own API's sprite sheet may go into CSS `url()`: a relative path of safe characters. */
const SAFE_URL = /^\/[A-Za-z0-9/_.-]+(\?[A-Za-z0-9=@._%-]*)?$/;
const TILE = 40;

/**
 * "What this model knows": every concept the bundle can draw, with its picture, English and Chinese names,
 * searchable in both languages and by synonym; choosing one puts it into a prompt. The list is the model's
 * own (`concepts.json` in the bundle), so it never promises what the model was not trained on.
 */
export function ConceptBrowser({ onPick, onClose }: { onPick: ((label: string) => void) | null; onClose(): void }) {
  const { info } = useBoard();
  const m = info.model;
  const [query, setQuery] = useState("");
  const [group, setGroup] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  useEscape(onClose);

  const groups = useMemo(() => [...new Set(m.concepts.map((c) => c.group))], [m.concepts]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return m.concepts.filter(
      (c) =>
        (!group || c.group === group) &&
        (!q ||
          c.label.toLowerCase().includes(q) ||
          c.zh.includes(q) ||
          c.synonyms.some((s) => s.includes(q)) ||
          c.zhSynonyms.some((s) => s.includes(q))),
    );
  }, [m.concepts, query, group]);
  const sheet = m.conceptSpritesUrl && SAFE_URL.test(m.conceptSpritesUrl) ? m.conceptSpritesUrl : null;
  const cols = m.conceptSpriteColumns;

  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-labelledby="knows-title">
      <div className="dialog concepts-dialog">
        <header className="concepts-head">
          <h2 id="knows-title">What this model knows</h2>
          <p className="muted">
            {m.name} draws {m.concepts.length} things on a plain background, in English or Chinese: say where (top left,
            centre…), how big, a colour (“a blue banana”), two or three of one, or two things side by side.
            {onPick ? " Choose one to add it to a prompt." : ""}
          </p>
          <input
            ref={input}
            type="search"
            className="concepts-search"
            placeholder="Search — cat, rocket, 猫…"
            aria-label="Search what the model knows"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          <fieldset className="chips">
            <legend className="sr-only">Groups</legend>
            <button type="button" className="chip" aria-pressed={group === null} onClick={() => setGroup(null)}>
              All
            </button>
            {groups.map((g) => (
              <button key={g} type="button" className="chip" aria-pressed={group === g} onClick={() => setGroup(g)}>
                {g}
              </button>
            ))}
          </fieldset>
        </header>
        <ul className="concepts scrollable" aria-label={`${shown.length} concepts`}>
          {shown.map((c) => (
            <li key={c.index}>
              <button
                type="button"
                className="concept"
                disabled={!onPick}
                title={[c.label, c.zh, ...c.synonyms].join(" · ")}
                onClick={() => onPick?.(c.label)}
              >
                {sheet && cols > 0 ? (
                  <span
                    className="sprite"
                    aria-hidden="true"
                    style={{
                      backgroundImage: `url("${sheet}")`,
                      backgroundSize: `${cols * TILE}px auto`,
                      backgroundPosition: `-${(c.index % cols) * TILE}px -${Math.floor(c.index / cols) * TILE}px`,
                    }}
                  />
                ) : (
                  <span className="sprite" aria-hidden="true">
                    {c.emoji}
                  </span>
                )}
                <span className="concept-label">{c.label}</span>
                <span className="concept-zh" lang="zh">
                  {c.zh}
                </span>
              </button>
            </li>
          ))}
          {shown.length === 0 && <li className="muted">Nothing matches “{query}”.</li>}
        </ul>
        <footer className="concepts-foot">
          <button type="button" onClick={onClose}>
            Close
          </button>
        </footer>
      </div>
    </div>
  );
}

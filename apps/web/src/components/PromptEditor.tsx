import { type Card, cardText, LIMITS } from "@tessera/shared";
import { useEffect, useMemo, useRef, useState } from "react";
import { bindTextarea } from "../lib/textBinding.ts";
import { splitWords, suggest } from "../lib/vocab.ts";
import { useBoard } from "./boardContext.ts";

/**
 * The card's text, bound to its Y.Text. For prompts, a backdrop mirrors the text and underlines words the
 * model doesn't know; the nearest known words are offered as one-click replacements.
 */
export function PromptEditor({ card }: { card: Card }) {
  const { sync, canEdit, vocabulary, info } = useBoard();
  const ref = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState(card.text);
  const isPrompt = card.kind === "prompt";
  const max = isPrompt ? Math.min(LIMITS.promptMaxChars, info.limits.promptMaxChars) : LIMITS.noteMaxChars;

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ytext = cardText(sync.doc, card.id);
    const unbind = bindTextarea(el, ytext, sync.origin, max);
    const onChange = () => setText(ytext.toString());
    ytext.observe(onChange);
    return () => {
      unbind();
      ytext.unobserve(onChange);
    };
  }, [sync, card.id, max]);

  const words = useMemo(() => (isPrompt ? splitWords(text, vocabulary) : []), [isPrompt, text, vocabulary]);
  const unknown = words.filter((w) => !w.known);

  const replace = (start: number, end: number, word: string) => {
    const ytext = cardText(sync.doc, card.id);
    sync.doc.transact(() => {
      ytext.delete(start, end - start);
      ytext.insert(start, word);
    }, sync.origin);
  };

  return (
    <div className="editor">
      {isPrompt && (
        <div className="editor-backdrop" aria-hidden="true">
          {renderMarked(text, words)}
        </div>
      )}
      <textarea
        ref={ref}
        aria-label={isPrompt ? "Prompt" : "Note"}
        placeholder={canEdit ? (isPrompt ? "Describe an image…" : "Write a note…") : ""}
        readOnly={!canEdit}
        maxLength={max}
        spellCheck={!isPrompt}
        onPointerDown={(e) => e.stopPropagation()}
      />
      {isPrompt && text.length >= Math.floor(max * 0.8) && (
        <p className={text.length >= max ? "char-count at-limit" : "char-count"} aria-live="polite">
          {text.length}/{max}
          {text.length >= max && " — prompts stop here; shorten it to add more."}
        </p>
      )}
      {isPrompt && unknown.length > 0 && (
        <ul className="unknown-words" aria-label="Unknown words">
          {unknown.slice(0, 4).map((w) => (
            <li key={`${w.start}-${w.word}`}>
              <u>{w.word}</u> isn't something this model has learned
              {canEdit &&
                suggest(w.word, info.model.concepts).map((s) => (
                  <button key={s} type="button" className="chip" onClick={() => replace(w.start, w.end, s)}>
                    {s}
                  </button>
                ))}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function renderMarked(text: string, words: ReturnType<typeof splitWords>) {
  const out: React.ReactNode[] = [];
  let pos = 0;
  for (const w of words) {
    if (w.known) continue;
    out.push(text.slice(pos, w.start));
    out.push(
      <mark key={w.start} className="unknown">
        {w.word}
      </mark>,
    );
    pos = w.end;
  }
  out.push(`${text.slice(pos)}\u200b`);
  return out;
}

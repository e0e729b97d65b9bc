import { LIMITS } from "@tessera/shared";
import { CornerDownLeft, ImageOff, Search, Sparkles, X } from "lucide-react";
import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { friendlyError, gql } from "../lib/gql.ts";
import type { RevealTarget, SearchRequest, SimilarSource } from "../lib/searchBus.ts";
import { type CandidateMatch, Q_BOARD_TAGS, Q_SEARCH_BOARD, Q_SIMILAR, type TagCount } from "../lib/searchQueries.ts";
import { useBoard } from "./boardContext.ts";
import { TagSwatch } from "./CandidateTags.tsx";

const RESULTS = 24;
/** Typing waits this long for the next key before asking: one search per pause, not one per letter. */
const DEBOUNCE_MS = 160;
const EXAMPLES = ["something blue", "a rocket", "in the top left", "绿色"];

type Status =
  | { kind: "idle" }
  | { kind: "loading"; matches: CandidateMatch[] }
  | { kind: "done"; matches: CandidateMatch[] }
  | { kind: "error"; message: string; matches: CandidateMatch[] };

/**
 * Search the board by meaning (Ctrl/⌘+K; issue 17 items 1 and 5). CLIP compares the text with every image on
 * the board and the best come first, with thumbnails; tags filter; "more like this" starts from a candidate.
 * Arrow keys move, Enter opens: the board flies to the card and opens the candidate there.
 */
export function SearchPalette({
  request,
  onChoose,
  onClose,
  cardExists,
}: {
  request: SearchRequest;
  onChoose(target: RevealTarget): void;
  onClose(): void;
  /** Whether a card is on the board: results from cards deleted since are left out. */
  cardExists(cardId: string): boolean;
}) {
  const { info } = useBoard();
  const [text, setText] = useState(request.text ?? "");
  const [tags, setTags] = useState<string[]>(request.tags ?? []);
  const [similar, setSimilar] = useState<SimilarSource | null>(request.similarTo ?? null);
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const [active, setActive] = useState(0);
  const [boardTags, setBoardTags] = useState<TagCount[] | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const seq = useRef(0);
  const ids = useId();

  useEffect(() => inputRef.current?.focus(), []);
  useEffect(() => {
    let live = true;
    gql<{ boardTags: TagCount[] }>(Q_BOARD_TAGS, { b: info.boardId, l: 24 })
      .then((r) => live && setBoardTags(r.boardTags))
      .catch(() => live && setBoardTags([])); // the chips are a shortcut: searching still works
    return () => {
      live = false;
    };
  }, [info.boardId]);

  const query = text.trim();
  useEffect(() => {
    const mine = ++seq.current;
    if (!query && tags.length === 0 && !similar) {
      setStatus({ kind: "idle" });
      return;
    }
    setStatus((s) => ({ kind: "loading", matches: s.kind === "idle" ? [] : s.matches }));
    const ask = async () => {
      try {
        const matches =
          similar && !query && tags.length === 0
            ? (await gql<{ similarCandidates: CandidateMatch[] }>(Q_SIMILAR, { c: similar.candidateId, l: RESULTS }))
                .similarCandidates
            : (
                await gql<{ searchBoard: CandidateMatch[] }>(Q_SEARCH_BOARD, {
                  b: info.boardId,
                  t: query || null,
                  tags,
                  l: RESULTS,
                })
              ).searchBoard;
        if (mine !== seq.current) return;
        setStatus({ kind: "done", matches });
        setActive(0);
      } catch (e) {
        if (mine === seq.current) setStatus({ kind: "error", message: friendlyError(e), matches: [] });
      }
    };
    // Tags and "more like this" ask at once; typing waits for a pause.
    const t = setTimeout(ask, query ? DEBOUNCE_MS : 0);
    return () => clearTimeout(t);
  }, [query, tags, similar, info.boardId]);

  const matches = status.kind === "idle" ? [] : status.matches.filter((m) => cardExists(m.cardId));
  const choose = (m: CandidateMatch | undefined) => {
    if (m) onChoose({ cardId: m.cardId, generationId: m.generationId, candidateId: m.candidate.id });
  };
  const addTag = (tag: string) => {
    setSimilar(null);
    setTags((t) => (t.includes(tag) || t.length >= LIMITS.searchTagsMax ? t : [...t, tag]));
    inputRef.current?.focus();
  };

  useEffect(() => {
    listRef.current?.querySelector(`[data-row="${active}"]`)?.scrollIntoView({ block: "nearest" });
  }, [active]);

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onClose();
    } else if (e.key.toLowerCase() === "k" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      onClose();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (matches.length === 0) return;
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive((a) => (a + step + matches.length) % matches.length);
    } else if (e.key === "Enter") {
      e.preventDefault();
      choose(matches[active]);
    } else if (e.key === "Backspace" && text === "" && (tags.length > 0 || similar)) {
      // As in a token field: Backspace in the empty box takes back the last filter.
      e.preventDefault();
      if (tags.length > 0) setTags((t) => t.slice(0, -1));
      else setSimilar(null);
    }
  };

  const optionId = (i: number) => `${ids}-option-${i}`;
  const loading = status.kind === "loading";
  const describe = similar && !query && tags.length === 0 ? "like this image" : query ? `“${query}”` : "these tags";
  return (
    <div
      className="overlay search-overlay"
      onPointerDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div className="search-palette" role="dialog" aria-modal="true" aria-label="Search this board">
        <div className="search-field">
          <Search className="icon search-icon" aria-hidden="true" />
          {similar && (
            <span className="search-token similar-token">
              <img src={similar.imageUrl} alt="" />
              More like this
              <button
                type="button"
                aria-label="Stop searching for images like this one"
                onClick={() => setSimilar(null)}
              >
                <X className="icon" aria-hidden="true" />
              </button>
            </span>
          )}
          {tags.map((t) => (
            <span key={t} className="search-token">
              <TagSwatch tag={t} />
              {t}
              <button
                type="button"
                aria-label={`Remove the tag ${t}`}
                onClick={() => setTags((all) => all.filter((x) => x !== t))}
              >
                <X className="icon" aria-hidden="true" />
              </button>
            </span>
          ))}
          <input
            ref={inputRef}
            role="combobox"
            aria-expanded={matches.length > 0}
            aria-controls={`${ids}-results`}
            aria-activedescendant={matches.length > 0 ? optionId(active) : undefined}
            aria-autocomplete="list"
            aria-label="Search images on this board by what they show"
            placeholder={similar || tags.length ? "Narrow it down…" : "Search images by meaning…"}
            maxLength={LIMITS.searchQueryMaxChars}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              if (e.target.value) setSimilar(null);
            }}
            onKeyDown={onKey}
            spellCheck={false}
            autoComplete="off"
          />
          {loading && <span className="search-spinner" role="progressbar" aria-label="Searching" />}
          <button type="button" className="search-close" aria-label="Close search" onClick={onClose}>
            <kbd className="search-close-key">esc</kbd>
            <X className="icon search-close-icon" aria-hidden="true" />
          </button>
        </div>
        <div className="search-body">
          {status.kind === "error" && (
            <p role="alert" className="search-error">
              {status.message}
            </p>
          )}
          {status.kind === "idle" && (
            <div className="search-start">
              <p className="search-intro">
                <Sparkles className="icon" aria-hidden="true" />
                <span>
                  Finds images by what they show — colours, places, things — in English or Chinese. Try{" "}
                  {EXAMPLES.map((x, i) => (
                    <span key={x}>
                      <button type="button" className="link-button" onClick={() => setText(x)}>
                        {x}
                      </button>
                      {i < EXAMPLES.length - 1 ? ", " : "."}
                    </span>
                  ))}
                </span>
              </p>
              <h3 className="search-heading">Tags on this board</h3>
              {boardTags === null ? (
                <div className="tag-row" aria-busy="true">
                  {[64, 48, 80, 56].map((w) => (
                    <span key={w} className="skeleton tag-skeleton" style={{ width: w }} />
                  ))}
                </div>
              ) : boardTags.length === 0 ? (
                <p className="muted search-note">
                  No tags yet: every finished image gets a few — what CLIP sees in it — as soon as it is made.
                </p>
              ) : (
                <div className="tag-row">
                  {boardTags.map((t) => (
                    <button key={t.tag} type="button" className="tag-chip" onClick={() => addTag(t.tag)}>
                      <TagSwatch tag={t.tag} />
                      {t.tag}
                      <span className="tag-count">
                        {t.count}
                        <span className="sr-only"> images</span>
                      </span>
                    </button>
                  ))}
                </div>
              )}
            </div>
          )}
          {loading && matches.length === 0 && (
            <ul className="search-results" aria-hidden="true">
              {[0, 1, 2, 3].map((i) => (
                <li key={i} className="search-row skeleton-row">
                  <span className="skeleton search-thumb" />
                  <span className="skeleton search-line" />
                </li>
              ))}
            </ul>
          )}
          {status.kind === "done" && matches.length === 0 && (
            <div className="search-empty">
              <ImageOff className="icon" aria-hidden="true" />
              <p>No images on this board match {describe}.</p>
              <p className="muted">
                {similar ? "It is the only image here so far." : "Try other words, a colour or a place, or fewer tags."}
              </p>
            </div>
          )}
          {matches.length > 0 && (
            <div
              id={`${ids}-results`}
              ref={listRef}
              className="search-results"
              role="listbox"
              aria-label="Images found"
            >
              {matches.map((m, i) => (
                // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox's input handles the keys (arrows, Enter)
                <div
                  key={m.candidate.id}
                  id={optionId(i)}
                  data-row={i}
                  role="option"
                  tabIndex={-1}
                  aria-selected={i === active}
                  className="search-row"
                  onMouseMove={() => i !== active && setActive(i)}
                  onClick={() => choose(m)}
                >
                  <img className="search-thumb" src={m.candidate.imageUrl} alt="" loading="lazy" />
                  <span className="search-text">
                    <span className="search-prompt">{m.prompt}</span>
                    <span className="search-tags">
                      {m.candidate.tags.slice(0, 5).map((t) => (
                        <button
                          key={t}
                          type="button"
                          tabIndex={-1}
                          className={m.matchedTags.includes(t) ? "mini-tag matched" : "mini-tag"}
                          title={`Only images tagged ${t}`}
                          onClick={(e) => {
                            e.stopPropagation();
                            addTag(t);
                          }}
                        >
                          <TagSwatch tag={t} />
                          {t}
                        </button>
                      ))}
                    </span>
                  </span>
                  {m.score !== null && (
                    <span
                      className="search-score"
                      title="How closely CLIP matches the image with your search (cosine similarity)"
                    >
                      {m.score.toFixed(2)}
                    </span>
                  )}
                  <CornerDownLeft className="icon search-enter" aria-hidden="true" />
                </div>
              ))}
            </div>
          )}
        </div>
        <footer className="search-footer">
          <span>
            <kbd>↑</kbd>
            <kbd>↓</kbd> move
          </span>
          <span>
            <kbd>↵</kbd> open
          </span>
          <span>
            <kbd>esc</kbd> close
          </span>
          <span className="grow" />
          <span role="status" aria-live="polite">
            {status.kind === "done"
              ? `${matches.length} ${matches.length === 1 ? "image" : "images"}, best first`
              : loading
                ? "Searching…"
                : ""}
          </span>
        </footer>
      </div>
    </div>
  );
}

import { CARD_COLORS, CARD_SIZE, type Card, deleteCard, duplicateCard, readCard, updateCard } from "@tessera/shared";
import { Ellipsis, MessageSquare } from "lucide-react";
import { type Dispatch, memo, type SetStateAction, useRef, useState } from "react";
import { friendlyError } from "../lib/gql.ts";
import { PICTURE_ACCEPT, pictureIn, uploadPicture } from "../lib/upload.ts";
import { useBoard } from "./boardContext.ts";
import { CommentThread } from "./CommentThread.tsx";
import { GenerationPanel } from "./GenerationPanel.tsx";
import { PromptEditor } from "./PromptEditor.tsx";

interface Props {
  card: Card;
  selected: boolean;
  onSelect: Dispatch<SetStateAction<Set<string>>>;
}

/**
 * One card, positioned by a CSS transform inside the board layer. Memoized on the card snapshot, so panning
 * and other cards' edits don't re-render it.
 */
export const CardView = memo(function CardView({ card, selected, onSelect }: Props) {
  const { sync, canEdit, zoom, info, toast } = useBoard();
  const [menu, setMenu] = useState(false);
  const [talk, setTalk] = useState(false);
  // A picture to start from (issue 17 item 3): dropped, pasted or picked, on a prompt card, by an editor.
  const takesPictures = canEdit && card.kind === "prompt";
  const [uploading, setUploading] = useState(false);
  const [dropping, setDropping] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const upload = async (file: File) => {
    if (uploading) return;
    setUploading(true);
    try {
      await uploadPicture(file, { boardId: info.boardId, cardId: card.id, prompt: card.text });
      // The server lists it on the card (everyone sees it at once); what to do next:
      toast("Picture added. Open it and choose how many top rows to keep, then Complete.");
    } catch (e) {
      toast(friendlyError(e));
    } finally {
      setUploading(false);
    }
  };

  const select = (e: React.PointerEvent) => {
    onSelect((prev) => {
      if (e.shiftKey || e.metaKey || e.ctrlKey) {
        const next = new Set(prev);
        if (next.has(card.id)) next.delete(card.id);
        else next.add(card.id);
        return next;
      }
      return prev.has(card.id) ? prev : new Set([card.id]);
    });
  };

  /** Drags the card (and the rest of the selection) or resizes it; edits are one undo step per gesture. */
  const drag = (e: React.PointerEvent, mode: "move" | "resize") => {
    if (!canEdit || e.button !== 0) return;
    e.stopPropagation();
    e.preventDefault();
    // Grabbing a card ends typing in it (as in tldraw): the arrow keys then move the card, not the caret.
    const typing = document.activeElement;
    if (typing instanceof HTMLElement && typing.closest(".card")) typing.blur();
    select(e);
    const el = e.currentTarget as HTMLElement;
    el.setPointerCapture(e.pointerId);
    const startX = e.clientX;
    const startY = e.clientY;
    const origin = { x: card.x, y: card.y, w: card.w, h: card.h };
    let group: { id: string; x: number; y: number }[] = [];
    onSelect((prev) => {
      const ids = prev.has(card.id) ? [...prev] : [card.id];
      group = ids.flatMap((id) => {
        const c = readCard(sync.doc, id);
        return c ? [{ id, x: c.x, y: c.y }] : [];
      });
      return prev;
    });
    sync.undo.stopCapturing();
    const move = (ev: PointerEvent) => {
      const dx = (ev.clientX - startX) / zoom();
      const dy = (ev.clientY - startY) / zoom();
      sync.doc.transact(() => {
        if (mode === "resize") {
          updateCard(
            sync.doc,
            card.id,
            {
              w: Math.round(Math.min(CARD_SIZE.maxW, Math.max(CARD_SIZE.minW, origin.w + dx))),
              h: Math.round(Math.min(CARD_SIZE.maxH, Math.max(CARD_SIZE.minH, origin.h + dy))),
            },
            sync.origin,
          );
        } else {
          for (const g of group)
            updateCard(sync.doc, g.id, { x: Math.round(g.x + dx), y: Math.round(g.y + dy) }, sync.origin);
        }
      }, sync.origin);
    };
    const up = () => {
      el.removeEventListener("pointermove", move);
      el.removeEventListener("pointerup", up);
      sync.undo.stopCapturing();
    };
    el.addEventListener("pointermove", move);
    el.addEventListener("pointerup", up);
  };

  const label = card.kind === "prompt" ? "Prompt card" : "Sticky note";
  return (
    <section
      className={`card card-${card.kind} color-${card.color}${selected ? " selected" : ""}`}
      style={{ transform: `translate(${card.x}px, ${card.y}px)`, width: card.w, minHeight: card.h }}
      aria-label={label}
      aria-busy={uploading || undefined}
      data-card-id={card.id}
      data-dropping={dropping || undefined}
      onPointerDown={select}
      onDragOver={(e) => {
        if (!takesPictures || !e.dataTransfer.types.includes("Files")) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = "copy";
        setDropping(true);
      }}
      onDragLeave={() => setDropping(false)}
      onDrop={(e) => {
        setDropping(false);
        const file = takesPictures ? pictureIn(e.dataTransfer) : null;
        if (!file) return;
        e.preventDefault();
        void upload(file);
      }}
      onPaste={(e) => {
        const file = takesPictures ? pictureIn(e.clipboardData) : null;
        if (!file) return; // text pastes into the prompt as usual
        e.preventDefault();
        void upload(file);
      }}
    >
      <div className="card-header" onPointerDown={(e) => drag(e, "move")}>
        <span className="card-kind">{card.kind === "prompt" ? "Prompt" : "Note"}</span>
        <span className="card-actions">
          <button
            type="button"
            aria-label="Comments on this card"
            aria-expanded={talk}
            title="Comments on this card"
            onPointerDown={(e) => e.stopPropagation()}
            onClick={() => setTalk((t) => !t)}
          >
            <MessageSquare className="icon" aria-hidden="true" />
          </button>
        </span>
        {canEdit && (
          <span className="card-actions">
            <button
              type="button"
              aria-label="Card menu"
              onPointerDown={(e) => e.stopPropagation()}
              onClick={() => setMenu((m) => !m)}
            >
              <Ellipsis className="icon" aria-hidden="true" />
            </button>
          </span>
        )}
      </div>
      {menu && canEdit && (
        <div className="card-menu" role="menu">
          <div className="swatches">
            {CARD_COLORS.map((c) => (
              <button
                key={c}
                type="button"
                role="menuitem"
                aria-label={`Colour ${c}`}
                className={`swatch color-${c}`}
                onClick={() => sync.step(() => updateCard(sync.doc, card.id, { color: c }, sync.origin))}
              />
            ))}
          </div>
          <button
            type="button"
            role="menuitem"
            onClick={() => sync.step(() => duplicateCard(sync.doc, card.id, sync.origin))}
          >
            Duplicate
          </button>
          {takesPictures && (
            <button
              type="button"
              role="menuitem"
              title="Start from your own picture (PNG, JPEG or WebP, up to 8 MB); or drop or paste one on the card"
              onClick={() => {
                setMenu(false);
                picker.current?.click();
              }}
            >
              Start from a picture…
            </button>
          )}
          {card.kind === "prompt" && card.generationIds.length > 0 && (
            <a
              className="button"
              role="menuitem"
              href={`/export/${encodeURIComponent(info.boardId)}.zip?card=${encodeURIComponent(card.id)}`}
              download
            >
              Export this card
            </a>
          )}
          <button
            type="button"
            role="menuitem"
            onClick={() => sync.step(() => deleteCard(sync.doc, card.id, sync.origin))}
          >
            Delete
          </button>
        </div>
      )}
      {talk && (
        <div className="card-comments" onPointerDown={(e) => e.stopPropagation()}>
          <CommentThread cardId={card.id} />
        </div>
      )}
      {takesPictures && (
        <input
          ref={picker}
          type="file"
          accept={PICTURE_ACCEPT}
          hidden
          aria-label="Picture to start from"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = "";
            if (file) void upload(file);
          }}
        />
      )}
      {uploading && (
        <p className="upload-status muted" role="status">
          Reading your picture…
        </p>
      )}
      <PromptEditor card={card} />
      {card.kind === "prompt" && <GenerationPanel card={card} />}
      {canEdit && <div className="resize" aria-hidden="true" onPointerDown={(e) => drag(e, "resize")} />}
    </section>
  );
});

"use client";

import {
  CARD_SIZE,
  type Card,
  type CardKind,
  cardsMap,
  cardText,
  createCard,
  defaultCardWidth,
  deleteCard,
  duplicateCard,
  readCard,
  restoreOnCard,
  updateCard,
} from "@tessera/shared";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { BoardSync, ConnectionState } from "../lib/boardSync.ts";
import {
  type Camera,
  fitRects,
  followCamera,
  panBy,
  rectsIntersect,
  type SharedViewport,
  screenToBoard,
  zoomAt,
} from "../lib/camera.ts";
import { EXAMPLE_PROMPTS } from "../lib/examples.ts";
import { readFinalOnly, storeFinalOnly } from "../lib/finalOnly.ts";
import { cameraToShow, flyCamera } from "../lib/flyTo.ts";
import { gql } from "../lib/gql.ts";
import { subscribe } from "../lib/live.ts";
import { Q_TOKEN_PATCHES, S_BOARD, S_BOARD_QUEUE } from "../lib/queries.ts";
import { type BoardQueue, QueueStore } from "../lib/queueStore.ts";
import { type RevealTarget, SearchBus, type SearchRequest } from "../lib/searchBus.ts";
import { decodePatches } from "../lib/tokenMosaic.ts";
import { BoardContext, type BoardCtx, type BoardInfo, type ThreadEvent } from "./boardContext.ts";
import { CardErrorBoundary } from "./CardErrorBoundary.tsx";
import { CardView } from "./CardView.tsx";
import { ConceptBrowser } from "./ConceptBrowser.tsx";
import { HelpOverlay } from "./HelpOverlay.tsx";
import { Presence, type PresenceHandle } from "./Presence.tsx";
import { type PromptChoice, PromptLibrary } from "./PromptLibrary.tsx";
import { RestoreNotice } from "./RestoreNotice.tsx";
import { SearchPalette } from "./SearchPalette.tsx";
import { Toolbar } from "./Toolbar.tsx";
import { useCards } from "./useCards.ts";
import { useShortcuts } from "./useShortcuts.ts";
import { useVersionView, type VersionActivity } from "./useVersionView.ts";
import { VersionBanner } from "./VersionBanner.tsx";
import { VersionHistory } from "./VersionHistory.tsx";

/**
 * The infinite canvas. The camera lives in a ref and is written straight to one transformed layer, so a
 * pan or zoom never re-renders React; cards are positioned inside that layer with their own transforms.
 */
export function Canvas({ info: liveInfo, sync: live }: { info: BoardInfo; sync: BoardSync }) {
  const [toastMsg, setToast] = useState<string | null>(null);
  // While a version is shown, `sync` and `info` are the version's (read-only); `live` stays the live board.
  const versions = useVersionView(live, liveInfo, setToast);
  const { sync, info } = versions;
  const onVersionActivity = versions.onActivity;
  const cards = useCards(sync.doc);
  const viewportRef = useRef<HTMLDivElement>(null);
  const worldRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLDivElement>(null);
  const cam = useRef<Camera>({ x: -80, y: -80, zoom: 1 });
  const presence = useRef<PresenceHandle>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [help, setHelp] = useState(false);
  const [knows, setKnows] = useState(false);
  const [library, setLibrary] = useState(false);
  const [conn, setConn] = useState<ConnectionState>("connecting");
  const voteListeners = useRef(new Set<(id: string, votes: number) => void>());
  const threadListeners = useRef(new Set<(e: ThreadEvent) => void>());
  const [queue] = useState(() => new QueueStore());
  // Search (Ctrl/⌘+K): open with what it was asked for (text, tags, "more like this"), or closed (null).
  const [search] = useState(() => new SearchBus());
  const [searching, setSearching] = useState<SearchRequest | null>(null);
  useEffect(() => search.onOpenSearch(setSearching), [search]);
  useEffect(
    () =>
      subscribe<{ boardQueue: BoardQueue }>(S_BOARD_QUEUE, { boardId: info.boardId }, ({ boardQueue }) =>
        queue.set(boardQueue),
      ),
    [info.boardId, queue],
  );
  const canEdit = info.role !== "VIEWER";
  const [tokenPatches, setTokenPatches] = useState<Uint8Array | null>(null);
  const [finalOnly, setFinalOnly] = useState(false);
  useEffect(() => setFinalOnly(readFinalOnly()), []); // after hydration: the server can't know the choice
  const toggleFinalOnly = () =>
    setFinalOnly((on) => {
      storeFinalOnly(!on);
      return !on;
    });
  useEffect(() => {
    let cancelled = false;
    // Without them tiles still fill, from the decoded previews: a failure here costs only the token mosaic.
    gql<{ model: { tokenPatches: string } }>(Q_TOKEN_PATCHES)
      .then((d) => !cancelled && setTokenPatches(decodePatches(d.model.tokenPatches)))
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, []);

  const applyCamera = useCallback((next: Camera) => {
    cam.current = next;
    const w = worldRef.current;
    if (w) w.style.transform = `scale(${next.zoom}) translate(${-next.x}px, ${-next.y}px)`;
    const vp = viewportRef.current;
    const grid = gridRef.current;
    if (grid) {
      // The dot grid follows the board on its own composited layer: a pan only moves it by less than one
      // cell (no repaint); only a zoom changes the cell size.
      const size = 24 * next.zoom;
      const bg = `${size}px ${size}px`;
      if (grid.style.backgroundSize !== bg) grid.style.backgroundSize = bg;
      const ox = (((-next.x * next.zoom) % size) + size) % size;
      const oy = (((-next.y * next.zoom) % size) + size) % size;
      grid.style.transform = `translate(${ox}px, ${oy}px)`;
    }
    if (vp) presence.current?.setViewport(next, vp.clientWidth, vp.clientHeight);
  }, []);

  // Following a collaborator (their awareness client id) lasts until I move the camera myself.
  const [following, setFollowing] = useState<number | null>(null);
  const followingRef = useRef(following);
  followingRef.current = following;
  // Set once this user moves the camera or adds a card: the opening fit must not undo what they did.
  const touched = useRef(false);
  const userCamera = useCallback(
    (next: Camera) => {
      touched.current = true;
      if (followingRef.current !== null) setFollowing(null);
      applyCamera(next);
    },
    [applyCamera],
  );
  const follow = useCallback(
    (peer: SharedViewport) => {
      const vp = viewportRef.current;
      applyCamera(followCamera(peer, vp?.clientWidth ?? 0, vp?.clientHeight ?? 0));
    },
    [applyCamera],
  );

  useEffect(() => applyCamera(cam.current), [applyCamera]);
  useEffect(() => sync.onConnection(setConn), [sync]);
  // A sample board (home page) starts with prompts the model draws well, once its document has synced.
  useEffect(() => {
    if (!canEdit || new URLSearchParams(window.location.search).get("sample") !== "1") return;
    let done = false;
    return sync.onConnection((state) => {
      if (state !== "online" || done) return;
      done = true;
      window.history.replaceState(null, "", window.location.pathname);
      if (cardsMap(sync.doc).size > 0) return;
      sync.step(() => {
        EXAMPLE_PROMPTS.forEach((text, i) => {
          createCard(
            sync.doc,
            { kind: "prompt", x: (i % 3) * 480, y: Math.floor(i / 3) * 520, text, createdBy: info.me.id },
            sync.origin,
          );
        });
      });
    });
  }, [sync, canEdit, info.me.id]);
  useEffect(() => {
    if (!toastMsg) return;
    const t = setTimeout(() => setToast(null), 5000);
    return () => clearTimeout(t);
  }, [toastMsg]);
  useEffect(
    () =>
      subscribe<{
        boardActivity: {
          kind: string;
          generationId: string;
          cardId: string;
          candidateId: string | null;
          votes: number | null;
        } & VersionActivity;
      }>(S_BOARD, { boardId: info.boardId }, ({ boardActivity: a }) => {
        onVersionActivity(a);
        if (a.kind === "VOTES_CHANGED" && a.candidateId && a.votes != null) {
          for (const l of voteListeners.current) l(a.candidateId, a.votes);
        }
        if (a.kind === "COMMENTS_CHANGED" || a.kind === "REACTIONS_CHANGED") {
          const e = { generationId: a.generationId, cardId: a.cardId, candidateId: a.candidateId };
          for (const l of threadListeners.current) l(e);
        }
      }),
    [info.boardId, onVersionActivity],
  );

  const ctx = useMemo<BoardCtx>(
    () => ({
      info,
      sync,
      canEdit,
      vocabulary: new Set(info.model.vocabulary.map((w) => w.toLowerCase())),
      tokenPatches,
      finalOnly,
      zoom: () => cam.current.zoom,
      onVotes: (fn) => {
        voteListeners.current.add(fn);
        return () => voteListeners.current.delete(fn);
      },
      onThreads: (fn) => {
        threadListeners.current.add(fn);
        return () => threadListeners.current.delete(fn);
      },
      queue,
      toast: setToast,
      search,
    }),
    [info, sync, canEdit, tokenPatches, finalOnly, queue, search],
  );

  const viewportCenter = () => {
    const vp = viewportRef.current;
    return screenToBoard(cam.current, (vp?.clientWidth ?? 800) / 2, (vp?.clientHeight ?? 600) / 2);
  };
  /** Cards as laid out: a card grows past its stored height with its candidates, so the DOM says how tall. */
  const measuredRects = () =>
    [...cards.values()].map((c) => {
      const el = worldRef.current?.querySelector<HTMLElement>(`[data-card-id="${CSS.escape(c.id)}"]`);
      return { x: c.x, y: c.y, w: c.w, h: Math.max(c.h, el?.offsetHeight ?? 0) };
    });
  /**
   * Where a new card goes: the free spot nearest the viewport's centre (rings of card-sized steps), inside
   * the view when there is room; otherwise the nearest free spot, and the camera moves to show it.
   */
  const freeSpot = (kind: CardKind): { x: number; y: number; inView: boolean } => {
    const vp = viewportRef.current;
    const c = viewportCenter();
    const w = defaultCardWidth(kind);
    const h = CARD_SIZE.defaultH;
    const taken = measuredRects();
    const view = {
      x: cam.current.x,
      y: cam.current.y,
      w: (vp?.clientWidth ?? 800) / cam.current.zoom,
      h: (vp?.clientHeight ?? 600) / cam.current.zoom,
    };
    let fallback: { x: number; y: number } | null = null;
    for (let ring = 0; ring <= 6; ring++) {
      for (let i = -ring; i <= ring; i++) {
        for (let j = -ring; j <= ring; j++) {
          if (Math.max(Math.abs(i), Math.abs(j)) !== ring) continue;
          const r = { x: Math.round(c.x - w / 2 + i * (w + 24)), y: Math.round(c.y - h / 2 + j * (h + 24)), w, h };
          if (taken.some((t) => rectsIntersect(r, { x: t.x - 12, y: t.y - 12, w: t.w + 24, h: t.h + 24 }))) continue;
          const inView = r.x >= view.x && r.y >= view.y && r.x + w <= view.x + view.w && r.y + h <= view.y + view.h;
          if (inView) return { x: r.x, y: r.y, inView: true };
          fallback ??= { x: r.x, y: r.y };
        }
      }
    }
    const f = fallback ?? { x: Math.round(c.x - w / 2), y: Math.round(c.y - h / 2) };
    return { ...f, inView: false };
  };
  const addCard = (kind: CardKind, at?: { x: number; y: number }) => {
    if (!canEdit) return;
    touched.current = true;
    const spot = at ? { x: Math.round(at.x - 140), y: Math.round(at.y - 40), inView: true } : freeSpot(kind);
    try {
      const id = sync.step(() =>
        createCard(sync.doc, { kind, x: spot.x, y: spot.y, createdBy: info.me.id }, sync.origin),
      );
      setSelected(new Set([id]));
      // A prompt card made from the keyboard or the toolbar is ready to type into (keyboard users never have
      // to reach for the pointer); one placed by double-click leaves focus where it was.
      if (kind === "prompt" && !at)
        requestAnimationFrame(() =>
          worldRef.current
            ?.querySelector<HTMLTextAreaElement>(`[data-card-id="${CSS.escape(id)}"] textarea`)
            ?.focus({ preventScroll: true }),
        );
      if (!spot.inView) {
        // The camera follows the new card instead of leaving it off-screen.
        const vp = viewportRef.current;
        const zoom = cam.current.zoom;
        userCamera({
          zoom,
          x: spot.x + defaultCardWidth(kind) / 2 - (vp?.clientWidth ?? 800) / 2 / zoom,
          y: spot.y + CARD_SIZE.defaultH / 2 - (vp?.clientHeight ?? 600) / 2 / zoom,
        });
      }
    } catch (e) {
      setToast(e instanceof Error ? e.message : "Could not add a card");
    }
  };
  /** A concept from "what this model knows": into the selected prompt card, else a new card in view. */
  const insertConcept = (label: string) => {
    setKnows(false);
    const only = selected.size === 1 ? cards.get([...selected][0]!) : undefined;
    if (only && only.kind === "prompt") {
      const t = cardText(sync.doc, only.id);
      const sep = t.length === 0 || /\s$/.test(t.toString()) ? "" : " ";
      sync.step(() => t.insert(t.length, `${sep}${label}`));
      return;
    }
    const p = viewportCenter();
    try {
      const id = sync.step(() =>
        createCard(
          sync.doc,
          {
            kind: "prompt",
            x: Math.round(p.x - 140),
            y: Math.round(p.y - 100),
            text: `a ${label}`,
            createdBy: info.me.id,
          },
          sync.origin,
        ),
      );
      setSelected(new Set([id]));
    } catch (e) {
      setToast(e instanceof Error ? e.message : "Could not add a card");
    }
  };
  /** The selected prompt card when exactly one is selected: where "use this prompt" goes. */
  const onlyPromptCard = (): Card | null => {
    const only = selected.size === 1 ? cards.get([...selected][0]!) : undefined;
    return only?.kind === "prompt" ? only : null;
  };
  /** A preset or a prompt from the board's history: onto the selected prompt card, else a new card in view. */
  const applyPrompt = (choice: PromptChoice) => {
    setLibrary(false);
    const target = onlyPromptCard();
    try {
      if (target) {
        sync.step(() => restoreOnCard(sync.doc, target.id, choice, sync.origin));
        return;
      }
      const spot = freeSpot("prompt");
      const id = sync.step(() =>
        createCard(
          sync.doc,
          {
            kind: "prompt",
            x: spot.x,
            y: spot.y,
            text: choice.prompt,
            settings: choice.settings,
            createdBy: info.me.id,
          },
          sync.origin,
        ),
      );
      setSelected(new Set([id]));
    } catch (e) {
      setToast(e instanceof Error ? e.message : "Could not use that prompt");
    }
  };
  const zoomBy = (f: number) => {
    const vp = viewportRef.current;
    userCamera(zoomAt(cam.current, (vp?.clientWidth ?? 0) / 2, (vp?.clientHeight ?? 0) / 2, f));
  };
  const fit = () => {
    const vp = viewportRef.current;
    const next = fitRects(measuredRects(), vp?.clientWidth ?? 0, vp?.clientHeight ?? 0);
    if (next) userCamera(next);
  };
  // A board opens fitted, on any screen: every card whole, once the first sync brought its cards and they
  // laid out. Only then: cards others add later must not move my camera.
  const fitted = useRef(false);
  const fitRef = useRef(fit);
  fitRef.current = fit;
  useEffect(() => {
    if (fitted.current || conn !== "online") return;
    fitted.current = true;
    const t = setTimeout(() => {
      if (cardsMap(sync.doc).size > 0 && !touched.current) fitRef.current();
    }, 200);
    return () => clearTimeout(t);
  }, [conn, sync]);
  const removeSelected = () => {
    if (!canEdit) return;
    sync.step(() => {
      for (const id of selected) deleteCard(sync.doc, id, sync.origin);
    });
    setSelected(new Set());
  };
  // Arrow-key moves: a burst of presses (key repeat) is one undo step, separate from the edit before it.
  const lastNudge = useRef(0);
  const nudgeSelected = (dx: number, dy: number) => {
    if (!canEdit || selected.size === 0) return;
    const now = performance.now();
    if (now - lastNudge.current > 400) sync.undo.stopCapturing();
    lastNudge.current = now;
    sync.doc.transact(() => {
      for (const id of selected) {
        const c = readCard(sync.doc, id);
        if (c) updateCard(sync.doc, id, { x: c.x + dx, y: c.y + dy }, sync.origin);
      }
    }, sync.origin);
  };
  // Alt + arrows resize from the keyboard (the same undo grouping as moves); sizes stay within the card limits.
  const resizeSelected = (dw: number, dh: number) => {
    if (!canEdit || selected.size === 0) return;
    const now = performance.now();
    if (now - lastNudge.current > 400) sync.undo.stopCapturing();
    lastNudge.current = now;
    const clamp = (v: number, lo: number, hi: number) => Math.round(Math.min(hi, Math.max(lo, v)));
    sync.doc.transact(() => {
      for (const id of selected) {
        const c = readCard(sync.doc, id);
        if (!c) continue;
        const size = {
          w: clamp(c.w + dw, CARD_SIZE.minW, CARD_SIZE.maxW),
          h: clamp(c.h + dh, CARD_SIZE.minH, CARD_SIZE.maxH),
        };
        updateCard(sync.doc, id, size, sync.origin);
      }
    }, sync.origin);
  };
  // After an undo or redo the next edit starts a new step: it must not merge into whatever step is now on
  // top of the stack (the undo manager merges changes less than 400 ms apart).
  const undoRedo = (which: "undo" | "redo") => {
    if (!canEdit) return;
    sync.undo[which]();
    sync.undo.stopCapturing();
    lastNudge.current = 0;
  };
  const duplicateSelected = () => {
    if (!canEdit) return;
    const ids: string[] = [];
    sync.step(() => {
      for (const id of selected) if (cards.has(id)) ids.push(duplicateCard(sync.doc, id, sync.origin));
    });
    setSelected(new Set(ids));
  };

  useShortcuts({
    undo: () => undoRedo("undo"),
    redo: () => undoRedo("redo"),
    remove: removeSelected,
    duplicate: duplicateSelected,
    nudge: nudgeSelected,
    resize: resizeSelected,
    selectAll: () => setSelected(new Set(cards.keys())),
    deselect: () => (help ? setHelp(false) : versions.viewing ? versions.view(null) : setSelected(new Set())),
    newPrompt: () => addCard("prompt"),
    newNote: () => addCard("note"),
    zoomIn: () => zoomBy(1.2),
    zoomOut: () => zoomBy(1 / 1.2),
    fit,
    help: () => setHelp((h) => !h),
    prompts: () => setLibrary(true),
    versions: () => versions.setPanel((open) => !open),
    search: () => setSearching((open) => (open ? null : {})),
  });

  // Pointer: drag on empty space (or anywhere with space held) pans; shift-drag on empty space selects.
  const space = useRef(false);
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.code === "Space" && !["TEXTAREA", "INPUT"].includes(t.tagName)) {
        space.current = true;
        viewportRef.current?.classList.add("grab");
        e.preventDefault();
      }
    };
    const up = (e: KeyboardEvent) => {
      if (e.code === "Space") {
        space.current = false;
        viewportRef.current?.classList.remove("grab");
      }
    };
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
    };
  }, []);

  const [marquee, setMarquee] = useState<{ x: number; y: number; w: number; h: number } | null>(null);
  // Two fingers pinch-zoom about their midpoint and pan with it; one finger pans (below).
  const touches = useRef(new Map<number, { x: number; y: number }>());
  const pinch = useRef<{ dist: number; mid: { x: number; y: number } } | null>(null);
  useEffect(() => {
    const vp = viewportRef.current!;
    const state = () => {
      const [a, b] = [...touches.current.values()];
      if (!a || !b) return null;
      const rect = vp.getBoundingClientRect();
      return {
        dist: Math.hypot(a.x - b.x, a.y - b.y),
        mid: { x: (a.x + b.x) / 2 - rect.left, y: (a.y + b.y) / 2 - rect.top },
      };
    };
    const down = (e: PointerEvent) => {
      if (e.pointerType !== "touch") return;
      touches.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
      if (touches.current.size === 2) pinch.current = state();
    };
    const move = (e: PointerEvent) => {
      if (e.pointerType !== "touch" || !touches.current.has(e.pointerId)) return;
      touches.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
      const prev = pinch.current;
      const next = state();
      if (!prev || !next || prev.dist === 0) return;
      const zoomed = zoomAt(cam.current, next.mid.x, next.mid.y, next.dist / prev.dist);
      userCamera(panBy(zoomed, next.mid.x - prev.mid.x, next.mid.y - prev.mid.y));
      pinch.current = next;
    };
    const up = (e: PointerEvent) => {
      touches.current.delete(e.pointerId);
      if (touches.current.size < 2) pinch.current = null;
    };
    vp.addEventListener("pointerdown", down, { capture: true });
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    window.addEventListener("pointercancel", up);
    return () => {
      vp.removeEventListener("pointerdown", down, { capture: true });
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      window.removeEventListener("pointercancel", up);
    };
  }, [userCamera]);
  const onPointerDown = (e: React.PointerEvent) => {
    const onEmpty = e.target === viewportRef.current || e.target === worldRef.current || e.target === gridRef.current;
    if (!onEmpty && !space.current) return;
    const vp = viewportRef.current!;
    vp.setPointerCapture(e.pointerId);
    const rect = vp.getBoundingClientRect();
    const start = screenToBoard(cam.current, e.clientX - rect.left, e.clientY - rect.top);
    if (e.shiftKey && onEmpty) {
      const move = (ev: PointerEvent) => {
        const p = screenToBoard(cam.current, ev.clientX - rect.left, ev.clientY - rect.top);
        const m = {
          x: Math.min(start.x, p.x),
          y: Math.min(start.y, p.y),
          w: Math.abs(p.x - start.x),
          h: Math.abs(p.y - start.y),
        };
        setMarquee(m);
        const hit = new Set<string>();
        for (const c of cards.values())
          if (c.x < m.x + m.w && m.x < c.x + c.w && c.y < m.y + m.h && m.y < c.y + c.h) hit.add(c.id);
        setSelected(hit);
      };
      const up = () => {
        setMarquee(null);
        vp.removeEventListener("pointermove", move);
        vp.removeEventListener("pointerup", up);
      };
      vp.addEventListener("pointermove", move);
      vp.addEventListener("pointerup", up);
      return;
    }
    if (onEmpty) setSelected(new Set());
    let last = { x: e.clientX, y: e.clientY };
    const move = (ev: PointerEvent) => {
      if (ev.pointerId !== e.pointerId) return;
      // While two fingers pinch, the pinch moves the camera.
      if (!pinch.current) userCamera(panBy(cam.current, ev.clientX - last.x, ev.clientY - last.y));
      last = { x: ev.clientX, y: ev.clientY };
    };
    const up = () => {
      vp.removeEventListener("pointermove", move);
      vp.removeEventListener("pointerup", up);
    };
    vp.addEventListener("pointermove", move);
    vp.addEventListener("pointerup", up);
  };
  const onPointerMove = (e: React.PointerEvent) => {
    const rect = viewportRef.current!.getBoundingClientRect();
    presence.current?.setCursor(screenToBoard(cam.current, e.clientX - rect.left, e.clientY - rect.top));
  };
  useEffect(() => {
    const vp = viewportRef.current!;
    // Wheel: pinch (ctrl) and notched mouse wheels zoom; trackpad two-finger scrolls pan.
    const wheel = (e: WheelEvent) => {
      if ((e.target as HTMLElement).closest(".scrollable, .overlay")) return;
      e.preventDefault();
      const rect = vp.getBoundingClientRect();
      const notched = e.deltaX === 0 && Number.isInteger(e.deltaY) && Math.abs(e.deltaY) >= 50;
      if (e.ctrlKey || e.metaKey || notched) {
        userCamera(
          zoomAt(
            cam.current,
            e.clientX - rect.left,
            e.clientY - rect.top,
            // Ctrl/⌘ + a mouse wheel notch (deltaY ±100) zooms ~15 %, a trackpad pinch (small deltas) smoothly.
            Math.exp(-Math.max(-15, Math.min(15, e.deltaY)) * 0.01),
          ),
        );
      } else {
        userCamera(panBy(cam.current, -e.deltaX, -e.deltaY));
      }
    };
    vp.addEventListener("wheel", wheel, { passive: false });
    return () => vp.removeEventListener("wheel", wheel);
  }, [userCamera]);
  const onDoubleClick = (e: React.MouseEvent) => {
    if (e.target !== viewportRef.current && e.target !== worldRef.current && e.target !== gridRef.current) return;
    const rect = viewportRef.current!.getBoundingClientRect();
    addCard("prompt", screenToBoard(cam.current, e.clientX - rect.left, e.clientY - rect.top));
  };

  /** A candidate chosen in the search: the camera flies to its card, which opens it in its gallery. */
  const flight = useRef<(() => void) | null>(null);
  const revealFound = (t: RevealTarget) => {
    setSearching(null);
    const card = cards.get(t.cardId);
    if (!card) {
      setToast("That image's card is no longer on the board.");
      return;
    }
    const el = worldRef.current?.querySelector<HTMLElement>(`[data-card-id="${CSS.escape(card.id)}"]`);
    const rect = { x: card.x, y: card.y, w: card.w, h: Math.max(card.h, el?.offsetHeight ?? 0) };
    const vp = viewportRef.current;
    const [vw, vh] = [vp?.clientWidth ?? 800, vp?.clientHeight ?? 600];
    flight.current?.();
    touched.current = true;
    if (followingRef.current !== null) setFollowing(null);
    flight.current = flyCamera(cam.current, cameraToShow(rect, vw, vh, cam.current), vw, vh, applyCamera);
    setSelected(new Set([t.cardId]));
    search.reveal(t);
  };

  const cardList = [...cards.values()];
  return (
    <BoardContext.Provider value={ctx}>
      <div className={`board${versions.viewing ? " viewing-version" : ""}${versions.panel ? " versions-open" : ""}`}>
        <Toolbar
          name={info.name}
          role={info.role}
          conn={conn}
          onAdd={addCard}
          onZoomIn={() => zoomBy(1.2)}
          onZoomOut={() => zoomBy(1 / 1.2)}
          onFit={fit}
          onHelp={() => setHelp(true)}
          onKnows={() => setKnows(true)}
          onPrompts={() => setLibrary(true)}
          onVersions={() => versions.setPanel((open) => !open)}
          onSearch={() => setSearching({})}
          viewingVersion={versions.viewing !== null}
          finalOnly={finalOnly}
          onFinalOnly={toggleFinalOnly}
          onUndo={() => undoRedo("undo")}
          onRedo={() => undoRedo("redo")}
          presence={presence}
          following={following}
          onFollowing={setFollowing}
          onFollow={follow}
        />
        <div
          ref={viewportRef}
          className={following === null ? "viewport" : "viewport following"}
          aria-label="Board canvas"
          role="application"
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onDoubleClick={onDoubleClick}
        >
          <div ref={gridRef} className="grid" aria-hidden="true" />
          <div ref={worldRef} className="world">
            {cardList.map((c: Card) => (
              <CardErrorBoundary key={c.id} x={Number.isFinite(c.x) ? c.x : 0} y={Number.isFinite(c.y) ? c.y : 0}>
                <CardView card={c} selected={selected.has(c.id)} onSelect={setSelected} />
              </CardErrorBoundary>
            ))}
            {marquee && (
              <div
                className="marquee"
                style={{ transform: `translate(${marquee.x}px, ${marquee.y}px)`, width: marquee.w, height: marquee.h }}
              />
            )}
            <Presence ref={presence} />
          </div>
          {cardList.length === 0 && (
            <div className="empty-board">
              {canEdit
                ? "Double-click anywhere to add a prompt card, or press P. Press ? for shortcuts."
                : "This board is empty."}
            </div>
          )}
        </div>
        {help && <HelpOverlay onClose={() => setHelp(false)} />}
        {knows && <ConceptBrowser onPick={canEdit ? insertConcept : null} onClose={() => setKnows(false)} />}
        {library && <PromptLibrary target={onlyPromptCard()} onUse={applyPrompt} onClose={() => setLibrary(false)} />}
        {searching && (
          <SearchPalette
            request={searching}
            onChoose={revealFound}
            onClose={() => setSearching(null)}
            cardExists={(id) => cards.has(id)}
          />
        )}
        {versions.viewing && (
          <VersionBanner
            version={versions.viewing}
            loading={versions.loading}
            canRestore={liveInfo.role !== "VIEWER"}
            restoring={versions.busy}
            onRestore={versions.restore}
            onBack={() => versions.view(null)}
          />
        )}
        {versions.panel && (
          <VersionHistory
            role={liveInfo.role}
            viewing={versions.viewing?.id ?? null}
            onView={(v) => {
              setSelected(new Set());
              versions.view(v);
            }}
            onClose={() => {
              versions.view(null);
              versions.setPanel(false);
            }}
            refresh={versions.refresh}
          />
        )}
        {versions.notice && (
          <RestoreNotice
            message={versions.notice.message}
            canUndo={liveInfo.role !== "VIEWER" && versions.notice.backupId !== null}
            undoing={versions.busy}
            onUndo={versions.undo}
            onDismiss={versions.dismissNotice}
          />
        )}
        {toastMsg && (
          <div role="alert" className="toast">
            {toastMsg}
          </div>
        )}
      </div>
    </BoardContext.Provider>
  );
}

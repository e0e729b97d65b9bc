import { forwardRef, type RefObject, useEffect, useImperativeHandle, useState } from "react";
import type { Camera, SharedViewport } from "../lib/camera.ts";
import { useBoard } from "./boardContext.ts";

/**
 * Presence over the provider's awareness: my cursor (board coordinates), name, colour and viewport; other
 * people's cursors drawn in the board layer, their avatars in the toolbar with "follow".
 */
export interface PresenceHandle {
  setCursor(p: { x: number; y: number }): void;
  setViewport(cam: Camera, w: number, h: number): void;
  peers(): Peer[];
  subscribe(fn: () => void): () => void;
}

export interface Peer {
  clientId: number;
  name: string;
  color: string;
  cursor: { x: number; y: number } | null;
  viewport: SharedViewport | null;
}

/**
 * How often my presence goes out: every 50 ms in a small room, less often in a big one, so each collaborator
 * receives about 60 updates a second in all (the server paces senders the same way: presence-pacer.ts).
 */
function presenceEveryMs(roomSize: number): number {
  return Math.max(50, Math.round(((roomSize - 1) * 1000) / 60));
}
/** A remote cursor glides over the time between its updates (bounded), instead of jumping. */
const GLIDE_MAX_MS = 600;

/**
 * Twelve presence colours, far apart in hue and dark enough for white name labels (WCAG AA, ≥ 4.5:1). Each
 * person takes their preferred one unless someone already on the board has it, then the first free one.
 */
export const PRESENCE_COLORS = [
  "#c92a2a",
  "#2b8a3e",
  "#1864ab",
  "#a61e4d",
  "#5f3dc4",
  "#0b7285",
  "#d9480f",
  "#5c940d",
  "#862e9c",
  "#364fc7",
  "#e67700",
  "#495057",
];

const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * Other people's presence, read defensively: the server already rebuilds it (awareness-guard), but nothing
 * from another client reaches CSS unchecked — a colour must be a hex colour, coordinates finite numbers.
 */
export function readPeers(states: Map<number, Record<string, unknown>>, self: number): Peer[] {
  const out: Peer[] = [];
  for (const [clientId, s] of states) {
    if (clientId === self) continue;
    const user = s.user as { name?: unknown; color?: unknown } | undefined;
    if (!user || typeof user.name !== "string") continue;
    const c = s.cursor as { x?: unknown; y?: unknown } | null | undefined;
    const v = s.viewport as { x?: unknown; y?: unknown; zoom?: unknown; w?: unknown; h?: unknown } | null | undefined;
    out.push({
      clientId,
      name: user.name.slice(0, 40),
      color: typeof user.color === "string" && HEX_COLOUR.test(user.color) ? user.color : "#868e96",
      cursor: c && finite(c.x) && finite(c.y) ? { x: c.x, y: c.y } : null,
      viewport:
        v && finite(v.x) && finite(v.y) && finite(v.zoom) && v.zoom > 0
          ? { x: v.x, y: v.y, zoom: v.zoom, ...(finite(v.w) && finite(v.h) ? { w: v.w, h: v.h } : {}) }
          : null,
    });
  }
  return out;
}

export const Presence = forwardRef<PresenceHandle>(function Presence(_props, ref) {
  const { sync, info } = useBoard();
  const awareness = sync.provider.awareness;
  const [peers, setPeers] = useState<Peer[]>([]);
  const listeners = useState(() => new Set<() => void>())[0];
  /** Per collaborator: when their presence last changed, and the gap before that (their cursor's glide). */
  const glide = useState(() => new Map<number, { at: number; ms: number }>())[0];

  useEffect(() => {
    if (!awareness) return;
    const preferred = Math.abs(hash(info.me.id)) % PRESENCE_COLORS.length;
    let color = PRESENCE_COLORS[preferred]!;
    const pickColor = () => {
      // Only people who were here first (lower client ids) keep theirs: two joining at once still separate.
      const used = new Set(
        readPeers(awareness.getStates() as Map<number, Record<string, unknown>>, awareness.clientID)
          .filter((p) => p.clientId < awareness.clientID)
          .map((p) => p.color),
      );
      const free = [...PRESENCE_COLORS.slice(preferred), ...PRESENCE_COLORS.slice(0, preferred)].find(
        (c) => !used.has(c),
      );
      const next = free ?? PRESENCE_COLORS[preferred]!;
      if (next !== color || !awareness.getLocalState()?.user) {
        color = next;
        awareness.setLocalStateField("user", { name: info.me.displayName, color, id: info.me.id });
      }
    };
    pickColor();
    const update = () => {
      pickColor();
      setPeers(readPeers(awareness.getStates() as Map<number, Record<string, unknown>>, awareness.clientID));
      for (const l of listeners) l();
    };
    // My own cursor and viewport change every frame while I pan; only other people's changes re-render.
    const onChange = (c: { added: number[]; updated: number[]; removed: number[] }) => {
      const now = performance.now();
      for (const id of c.updated) {
        const last = glide.get(id);
        glide.set(id, { at: now, ms: last ? Math.min(GLIDE_MAX_MS, Math.max(50, now - last.at)) : 80 });
      }
      for (const id of c.removed) glide.delete(id);
      if ([...c.added, ...c.updated, ...c.removed].some((id) => id !== awareness.clientID)) update();
    };
    awareness.on("change", onChange);
    update();
    return () => awareness.off("change", onChange);
  }, [awareness, info.me, listeners, glide]);

  useImperativeHandle(ref, () => {
    let pending: { cursor?: unknown; viewport?: unknown } = {};
    let timer: ReturnType<typeof setTimeout> | null = null;
    let sentAt = 0;
    // Awareness goes out at most every 50 ms (20 a second): every update reaches every collaborator, so a
    // room's presence traffic grows with the square of its size; the server drops floods beyond that.
    const flush = () => {
      timer = null;
      sentAt = performance.now();
      if (!awareness) return;
      for (const [k, v] of Object.entries(pending)) awareness.setLocalStateField(k, v);
      pending = {};
    };
    const queue = (k: "cursor" | "viewport", v: unknown) => {
      pending[k] = v;
      const every = presenceEveryMs(awareness?.getStates().size ?? 1);
      if (!timer) timer = setTimeout(flush, Math.max(0, every - (performance.now() - sentAt)));
    };
    return {
      setCursor: (p) => queue("cursor", { x: Math.round(p.x), y: Math.round(p.y) }),
      setViewport: (cam, w, h) => queue("viewport", { ...cam, w, h }),
      peers: () =>
        readPeers(
          (awareness?.getStates() ?? new Map()) as Map<number, Record<string, unknown>>,
          awareness?.clientID ?? -1,
        ),
      subscribe: (fn) => {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
    };
  }, [awareness, listeners]);

  return (
    <>
      {peers.map((p) =>
        p.cursor ? (
          <div
            key={p.clientId}
            className="cursor"
            style={{
              transform: `translate(${p.cursor.x}px, ${p.cursor.y}px)`,
              color: p.color,
              transitionDuration: `${glide.get(p.clientId)?.ms ?? 80}ms`,
            }}
          >
            <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
              <path d="M0 0 L0 14 L4 10 L8 16 L10 15 L6 9 L12 9 Z" fill="currentColor" />
            </svg>
            <span style={{ background: p.color }}>{p.name}</span>
          </div>
        ) : null,
      )}
    </>
  );
});

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * Who is on the board; clicking an avatar follows that person's viewport until you click again or move
 * the camera yourself (the canvas owns `following` for that reason).
 */
export function Avatars({
  presence,
  following,
  onFollowing: setFollowing,
  onFollow,
}: {
  presence: RefObject<PresenceHandle | null>;
  following: number | null;
  onFollowing(clientId: number | null): void;
  onFollow(viewport: SharedViewport): void;
}) {
  const [peers, setPeers] = useState<Peer[]>([]);
  useEffect(() => {
    const h = presence.current;
    if (!h) return;
    const update = () => setPeers(h.peers());
    update();
    return h.subscribe(update);
  }, [presence]);
  useEffect(() => {
    if (following === null) return;
    const p = peers.find((x) => x.clientId === following);
    if (!p) setFollowing(null);
    else if (p.viewport) onFollow(p.viewport);
  }, [peers, following, onFollow, setFollowing]);
  return (
    <ul className="avatars" aria-label="People on this board">
      {peers.map((p) => (
        <li key={p.clientId}>
          <button
            type="button"
            className={following === p.clientId ? "avatar following" : "avatar"}
            style={{ background: p.color }}
            aria-pressed={following === p.clientId}
            aria-label={`${following === p.clientId ? "Stop following" : "Follow"} ${p.name}`}
            title={p.name}
            onClick={() => setFollowing(following === p.clientId ? null : p.clientId)}
          >
            {p.name.slice(0, 1).toUpperCase()}
          </button>
        </li>
      ))}
    </ul>
  );
}

/**
 * Presence (Yjs awareness) is relayed by the server to everyone on a board, so it is checked here before
 * Hocuspocus sees it. Without this, a viewer relayed 20 × 800 kB messages to every member, named itself after
 * someone else, and a colour of `url(…)` made other browsers fetch an attacker's URL. Each awareness message
 * is bounded in size and rate per connection, may only speak for the one Yjs client id the connection first
 * used, and its state is rebuilt from known fields: the name and id are the authenticated user's, the colour
 * a hex colour, the cursor and viewport finite numbers. Anything else is dropped (presence is ephemeral: a
 * dropped update is replaced by the next one).
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

const MESSAGE_AWARENESS = 1;
export const AWARENESS_LIMITS = {
  /** Bytes of one awareness message (a real one is ~200 bytes). */
  maxBytes: 4096,
  /** Sustained awareness messages per second per connection, and the burst above it. */
  perSecond: 20,
  burst: 40,
  nameMaxChars: 40,
  coordinateMax: 10_000_000,
} as const;

export interface AwarenessIdentity {
  userId: string;
  displayName: string;
}

/** Per connection: the token bucket, and the Yjs client id each document's presence belongs to. */
export interface AwarenessGuardState {
  tokens: number;
  refilledAt: number;
  clientIds: Map<string, number>;
  dropped: number;
  /** The last message passed was a leave (every state null): relayed without delay. */
  leaving: boolean;
  /** The board the last message passed was for. */
  documentName: string;
}

/** Whether a raw Hocuspocus message carries presence. */
export function isAwareness(raw: Uint8Array): boolean {
  try {
    const d = decoding.createDecoder(raw);
    decoding.readVarString(d);
    return decoding.readVarUint(d) === MESSAGE_AWARENESS;
  } catch {
    return false;
  }
}

export function newGuardState(now: number): AwarenessGuardState {
  return {
    tokens: AWARENESS_LIMITS.burst,
    refilledAt: now,
    clientIds: new Map(),
    dropped: 0,
    leaving: false,
    documentName: "",
  };
}

const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;

const finite = (v: unknown): v is number =>
  typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= AWARENESS_LIMITS.coordinateMax;

function cleanState(raw: unknown, who: AwarenessIdentity): Record<string, unknown> {
  const s = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const user = (s.user && typeof s.user === "object" ? s.user : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {
    user: {
      id: who.userId,
      name: who.displayName.slice(0, AWARENESS_LIMITS.nameMaxChars),
      color: typeof user.color === "string" && HEX_COLOUR.test(user.color) ? user.color : "#868e96",
    },
  };
  const c = s.cursor as Record<string, unknown> | null | undefined;
  if (c && finite(c.x) && finite(c.y)) out.cursor = { x: c.x, y: c.y };
  const v = s.viewport as Record<string, unknown> | null | undefined;
  if (v && finite(v.x) && finite(v.y) && finite(v.zoom) && (v.zoom as number) > 0) {
    out.viewport = { x: v.x, y: v.y, zoom: v.zoom, ...(finite(v.w) && finite(v.h) ? { w: v.w, h: v.h } : {}) };
  }
  return out;
}

/**
 * The message to hand to Hocuspocus: unchanged if it is not awareness, rebuilt if it is and passes, or null
 * to drop it. `who` is null before the connection authenticated (its presence is dropped until then).
 */
export function guardAwareness(
  raw: Uint8Array,
  who: AwarenessIdentity | null,
  state: AwarenessGuardState,
  now: number,
): Uint8Array | null {
  let documentName: string;
  let payload: Uint8Array;
  try {
    const d = decoding.createDecoder(raw);
    documentName = decoding.readVarString(d);
    if (decoding.readVarUint(d) !== MESSAGE_AWARENESS) return raw;
    payload = decoding.readVarUint8Array(d);
  } catch {
    return raw; // not for us to judge: Hocuspocus answers malformed messages itself
  }
  const drop = () => {
    state.dropped++;
    return null;
  };
  if (!who || raw.byteLength > AWARENESS_LIMITS.maxBytes) return drop();
  state.tokens = Math.min(
    AWARENESS_LIMITS.burst,
    state.tokens + ((now - state.refilledAt) / 1000) * AWARENESS_LIMITS.perSecond,
  );
  state.refilledAt = now;
  if (state.tokens < 1) return drop();
  state.tokens -= 1;

  const entries: { clientId: number; clock: number; json: string }[] = [];
  try {
    const d = decoding.createDecoder(payload);
    const count = decoding.readVarUint(d);
    if (count > 4) return drop();
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(d);
      const clock = decoding.readVarUint(d);
      const json = decoding.readVarString(d);
      const owner = state.clientIds.get(documentName);
      if (owner === undefined) state.clientIds.set(documentName, clientId);
      else if (owner !== clientId) continue; // speaking for someone else's client id
      const parsed: unknown = JSON.parse(json);
      entries.push({ clientId, clock, json: parsed === null ? "null" : JSON.stringify(cleanState(parsed, who)) });
    }
  } catch {
    return drop();
  }
  if (entries.length === 0) return drop();
  state.leaving = entries.every((e) => e.json === "null");
  state.documentName = documentName;
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, entries.length);
  for (const e of entries) {
    encoding.writeVarUint(inner, e.clientId);
    encoding.writeVarUint(inner, e.clock);
    encoding.writeVarString(inner, e.json);
  }
  const out = encoding.createEncoder();
  encoding.writeVarString(out, documentName);
  encoding.writeVarUint(out, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(out, encoding.toUint8Array(inner));
  return encoding.toUint8Array(out);
}

/** Board versions on the client: the GraphQL operations, and how a version is named in the list. */
import { ago } from "./promptHistory.ts";

export type VersionKind = "NAMED" | "AUTOMATIC" | "BEFORE_RESTORE";

export interface BoardVersion {
  id: string;
  kind: VersionKind;
  name: string | null;
  cardCount: number;
  createdAt: string;
  createdBy: { id: string; displayName: string } | null;
  restoredFrom: { id: string; name: string | null; kind: VersionKind; createdAt: string } | null;
}

const FIELDS = `id kind name cardCount createdAt createdBy { id displayName }
  restoredFrom { id name kind createdAt }`;

export const Q_VERSIONS = `query BoardVersions($b: ID!) { boardVersions(boardId: $b) { ${FIELDS} } }`;
export const Q_VERSION_STATE = `query BoardVersionState($id: ID!) { boardVersion(id: $id) { id state } }`;
export const M_SAVE_VERSION = `mutation SaveVersion($b: ID!, $n: String!) { saveBoardVersion(boardId: $b, name: $n) { ${FIELDS} } }`;
export const M_RENAME_VERSION = `mutation RenameVersion($id: ID!, $n: String!) { renameBoardVersion(id: $id, name: $n) { ${FIELDS} } }`;
export const M_DELETE_VERSION = `mutation DeleteVersion($id: ID!) { deleteBoardVersion(id: $id) }`;
export const M_RESTORE_VERSION = `mutation RestoreVersion($id: ID!) { restoreBoardVersion(id: $id) {
  backup { id } cardsAdded cardsRemoved cardsChanged } }`;

export interface RestoreResult {
  backup: { id: string };
  cardsAdded: number;
  cardsRemoved: number;
  cardsChanged: number;
}

/** A clock time for the list ("14:05", or "3 Dec, 14:05" when not today). */
export function clockTime(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const time = d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  if (d.toDateString() === now.toDateString()) return time;
  return `${d.toLocaleDateString(undefined, { day: "numeric", month: "short" })}, ${time}`;
}

/** The title a version shows: its name, or what kind of moment it keeps. */
export function versionTitle(v: Pick<BoardVersion, "kind" | "name" | "restoredFrom">): string {
  if (v.name) return v.name;
  if (v.kind === "BEFORE_RESTORE") {
    const from = v.restoredFrom;
    if (from?.name) return `Before restoring “${from.name}”`;
    if (from?.kind === "BEFORE_RESTORE") return "Before undoing a restore";
    return "Before a restore";
  }
  return "Automatic version";
}

/** The line under the title: who, when, how big. */
export function versionMeta(v: Pick<BoardVersion, "createdAt" | "createdBy" | "cardCount">, now = Date.now()): string {
  const who = v.createdBy?.displayName ?? "Tessera";
  const cards = `${v.cardCount} card${v.cardCount === 1 ? "" : "s"}`;
  return `${who} · ${ago(v.createdAt, now)} · ${cards}`;
}

/** What everyone on the board is told when someone restores a version. */
export function restoreMessage(
  e: { byName: string | null; versionName: string | null; versionKind: VersionKind | null },
  mine: boolean,
): string {
  const who = mine ? "You" : (e.byName ?? "Someone");
  if (e.versionKind === "BEFORE_RESTORE") return `${who} undid a restore: the board is back as it was.`;
  if (e.versionName) return `${who} restored the version “${e.versionName}”.`;
  return `${who} restored an earlier version of the board.`;
}

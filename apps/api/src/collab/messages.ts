/** Reads the Yjs document update (if any) carried by a raw Hocuspocus message, without applying it. */
import * as decoding from "lib0/decoding";

const MESSAGE_SYNC = 0;
const SYNC_STEP_2 = 1;
const SYNC_UPDATE = 2;

/** The update bytes of a SyncStep2 / Update message, or null for every other message kind. */
export function updateFromMessage(raw: Uint8Array): Uint8Array | null {
  const decoder = decoding.createDecoder(raw);
  decoding.readVarString(decoder); // document address
  if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return null;
  const syncType = decoding.readVarUint(decoder);
  if (syncType !== SYNC_STEP_2 && syncType !== SYNC_UPDATE) return null;
  return decoding.readVarUint8Array(decoder);
}

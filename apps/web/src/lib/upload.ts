/** Uploads a picture to start a prompt card from (issue 17 item 3): the server decodes, encodes and stores it. */
import { LIMITS } from "@tessera/shared";
import { GqlError } from "./gql.ts";

export const PICTURE_TYPES = ["image/png", "image/jpeg", "image/webp"];
/** What the file picker offers. */
export const PICTURE_ACCEPT = PICTURE_TYPES.join(",");

export interface UploadResult {
  generationId: string;
  candidateId: string;
}

/**
 * Sends the file as the request body. Obvious refusals are said before sending (a 40 MB photo need not cross
 * the network to be refused); the server checks everything again and says why in a sentence.
 */
export async function uploadPicture(
  file: Blob,
  where: { boardId: string; cardId: string; prompt: string },
): Promise<UploadResult> {
  if (file.size > LIMITS.uploadMaxBytes) {
    throw new GqlError(`Pictures are limited to ${LIMITS.uploadMaxBytes / (1024 * 1024)} MB.`, "BAD_USER_INPUT");
  }
  const q = new URLSearchParams({ board: where.boardId, card: where.cardId });
  if (where.prompt.trim()) q.set("prompt", where.prompt.trim());
  let res: Response;
  try {
    res = await fetch(`/uploads?${q}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": file.type || "application/octet-stream", "x-tessera-upload": "1" },
      body: file,
    });
  } catch {
    throw new GqlError("The server cannot be reached. Check your connection and try again.", "NETWORK");
  }
  const body = (await res.json().catch(() => ({}))) as {
    error?: { code: string; message: string };
  } & Partial<UploadResult>;
  if (!res.ok || !body.generationId || !body.candidateId) {
    throw new GqlError(body.error?.message ?? `The upload failed (${res.status}).`, body.error?.code ?? "SERVER");
  }
  return { generationId: body.generationId, candidateId: body.candidateId };
}

/** The first picture in a drop or a paste, if any. */
export function pictureIn(items: DataTransfer | null): File | null {
  for (const f of Array.from(items?.files ?? [])) if (f.type.startsWith("image/")) return f;
  return null;
}

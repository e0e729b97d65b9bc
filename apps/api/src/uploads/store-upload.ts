/**
 * An uploaded picture becomes a finished generation of one candidate (issue 17 item 3): its VQ codes and the
 * PNG they decode to, so everything a candidate offers works on it — the gallery, votes, comments, export,
 * and above all remixCandidate, which completes it from its top rows with the card's prompt (DALL·E's image
 * completion) — and search, with the CLIP embedding and tags the runner reads from it. Decoded and read before
 * anything is written; the generation and its candidate (stored as generated candidates are, by
 * `recordCandidates`) are written in one transaction: a refused or failed upload stores nothing.
 */
import { addGeneration, blankControlChars, promptSchema } from "@tessera/shared";
import type * as Y from "yjs";
import { newId } from "../auth/index.ts";
import type { PrismaClient } from "../db/index.ts";
import type { BoardActivityBus } from "../generation/board-activity.ts";
import type { GenerationEngine } from "../generation/engine.ts";
import { recordCandidates } from "../generation/record-event.ts";
import { decodeUpload } from "./decode-upload.ts";

export interface UploadDeps {
  prisma: PrismaClient;
  engine: GenerationEngine;
  activity: BoardActivityBus;
  withDocument?: (boardId: string, fn: (doc: Y.Doc) => void) => Promise<void>;
}

/** What an upload is called when its card has no prompt yet. */
export const UPLOAD_PROMPT = "Uploaded picture";

export async function storeUpload(
  deps: UploadDeps,
  input: { userId: string; boardId: string; cardId: string; prompt: string | null; bytes: Uint8Array },
): Promise<{ generationId: string; candidateId: string; tokens: number[] }> {
  const model = deps.engine.model();
  const picture = await decodeUpload(input.bytes, model.imageSize);
  const { tokens, png, embedding, tags } = await deps.engine.readPicture(picture.rgb);
  const typed = promptSchema.safeParse(blankControlChars(input.prompt ?? ""));
  const prompt = typed.success ? typed.data : UPLOAD_PROMPT;
  const generationId = newId();
  const now = new Date();
  const candidateId = await deps.prisma.$transaction(async (tx) => {
    await tx.generation.create({
      data: {
        id: generationId,
        boardId: input.boardId,
        cardId: input.cardId,
        prompt,
        n: 1,
        seed: 0,
        params: {},
        modelName: model.name,
        modelVersion: model.version,
        unknownWords: [],
        status: "FINISHED",
        uploadFormat: picture.format,
        createdById: input.userId,
        startedAt: now,
        finishedAt: now,
      },
    });
    const [id] = await recordCandidates(tx, generationId, [
      { type: "candidateFinished", candidate: 0, tokens, png, embedding, tags },
    ]);
    return id!;
  });
  // The card lists it like a generation, so every collaborator's card shows the picture at once.
  await deps.withDocument?.(input.boardId, (doc) => addGeneration(doc, input.cardId, generationId)).catch(() => {});
  deps.activity.publish({
    boardId: input.boardId,
    kind: "GENERATION_FINISHED",
    generationId,
    cardId: input.cardId,
    status: "FINISHED",
  });
  return { generationId, candidateId, tokens };
}

/**
 * An uploaded picture becomes a finished generation of one candidate (issue 17 item 3): its VQ codes and the
 * PNG they decode to, so everything a candidate offers works on it — the gallery, votes, comments, export,
 * and above all remixCandidate, which completes it from its top rows with the card's prompt (DALL·E's image
 * completion). Decoded and encoded before anything is written; the generation and its candidate are written
 * in one transaction: a refused or failed upload stores nothing.
 */
import { addGeneration, blankControlChars, promptSchema } from "@tessera/shared";
import type * as Y from "yjs";
import { newId } from "../auth/index.ts";
import type { PrismaClient } from "../db/index.ts";
import type { BoardActivityBus } from "../generation/board-activity.ts";
import type { GenerationEngine } from "../generation/engine.ts";
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
  const tokens = await deps.engine.encodeImage(picture.rgb);
  const png = await deps.engine.renderPng(tokens);
  const typed = promptSchema.safeParse(blankControlChars(input.prompt ?? ""));
  const prompt = typed.success ? typed.data : UPLOAD_PROMPT;
  const generationId = newId();
  const candidateId = newId();
  const now = new Date();
  await deps.prisma.$transaction([
    deps.prisma.generation.create({
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
    }),
    deps.prisma.candidate.create({
      data: { id: candidateId, generationId, index: 0, tokens, png: new Uint8Array(png) },
    }),
  ]);
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

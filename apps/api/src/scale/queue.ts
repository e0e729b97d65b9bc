/** The BullMQ queue generation jobs go through when the API is scaled out (job id = generation id). */
import type { EngineRequest } from "../generation/service.ts";

export const GENERATION_QUEUE = "generations";

export interface GenerationJobData {
  generationId: string;
  boardId: string;
  cardId: string;
  request: EngineRequest;
  /** Who started it (its queue entry shows them); absent on jobs queued before the fair queue. */
  userId?: string;
  createdBy?: string;
}

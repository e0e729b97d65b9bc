-- Search keeps each board's embeddings in memory (search/embedding-index.ts) and catches up with what changed:
-- every insert and every rewrite of an embedding takes the next number, so "what is new since n" is one index
-- range. Existing rows are numbered as the column is added.

-- AlterTable
ALTER TABLE "CandidateEmbedding" ADD COLUMN "seq" BIGSERIAL NOT NULL;

-- The board-and-model index becomes board, model and number: the same prefix serves the SQL search's scan.
-- DropIndex
DROP INDEX "CandidateEmbedding_boardId_model_idx";

-- CreateIndex
CREATE INDEX "CandidateEmbedding_boardId_model_seq_idx" ON "CandidateEmbedding"("boardId", "model", "seq");

-- Search by meaning and zero-shot tags (issue 17 items 1 and 5).

-- AlterTable
ALTER TABLE "Candidate" ADD COLUMN "tags" TEXT[];

-- CreateTable
CREATE TABLE "CandidateEmbedding" (
    "candidateId" TEXT NOT NULL,
    "boardId" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "embedding" REAL[],
    "tags" TEXT[],

    CONSTRAINT "CandidateEmbedding_pkey" PRIMARY KEY ("candidateId")
);

-- The search reads every element of every embedding on a board (a dot product in SQL): the array stays in
-- the row, uncompressed, so no element read detoasts it.
ALTER TABLE "CandidateEmbedding" ALTER COLUMN "embedding" SET STORAGE PLAIN;

-- CreateIndex
CREATE INDEX "CandidateEmbedding_boardId_model_idx" ON "CandidateEmbedding"("boardId", "model");

-- AddForeignKey
ALTER TABLE "CandidateEmbedding" ADD CONSTRAINT "CandidateEmbedding_candidateId_fkey" FOREIGN KEY ("candidateId") REFERENCES "Candidate"("id") ON DELETE CASCADE ON UPDATE CASCADE;

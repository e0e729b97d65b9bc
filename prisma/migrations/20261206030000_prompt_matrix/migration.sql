-- Prompt matrices (issue 17 item 4): a prompt with {a|b} alternatives; each combination is a generation.

-- AlterTable
ALTER TABLE "Generation" ADD COLUMN "matrixCell" INTEGER,
ADD COLUMN "matrixId" TEXT;

-- CreateTable
CREATE TABLE "PromptMatrix" (
    "id" TEXT NOT NULL,
    "boardId" TEXT NOT NULL,
    "cardId" TEXT NOT NULL,
    "template" TEXT NOT NULL,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PromptMatrix_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PromptMatrix_boardId_cardId_idx" ON "PromptMatrix"("boardId", "cardId");

-- AddForeignKey
ALTER TABLE "Generation" ADD CONSTRAINT "Generation_matrixId_fkey" FOREIGN KEY ("matrixId") REFERENCES "PromptMatrix"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PromptMatrix" ADD CONSTRAINT "PromptMatrix_boardId_fkey" FOREIGN KEY ("boardId") REFERENCES "Board"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PromptMatrix" ADD CONSTRAINT "PromptMatrix_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Uploaded pictures (issue 17 item 3): a finished generation of one candidate holding the picture's VQ codes.

-- AlterTable
ALTER TABLE "Generation" ADD COLUMN "uploadFormat" TEXT;

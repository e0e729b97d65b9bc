-- A candidate's PNG is already deflate-compressed: PostgreSQL's default (EXTENDED) storage tried to
-- compress each one again with pglz before giving up and moving it out of line. EXTERNAL stores it out
-- of line without that attempt: a generation's four-candidate INSERT, which every watcher waits for
-- before the finished candidates are announced, went from p50 2.5 to 1.9 ms (probe with 8 KB PNGs).
-- Storage is not part of Prisma's schema language, so this lives only here; `prisma migrate diff` sees
-- no difference.
ALTER TABLE "Candidate" ALTER COLUMN "png" SET STORAGE EXTERNAL;

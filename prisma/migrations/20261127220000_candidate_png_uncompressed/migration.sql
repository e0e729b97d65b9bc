-- A candidate's PNG is already deflate-compressed: PostgreSQL's default (EXTENDED) storage tried to
-- compress each one again with pglz before giving up and moving it out of line. EXTERNAL stores it out
-- of line without that attempt: a generation's four-candidate INSERT, which every watcher waits for
-- before the finished candidates are announced: p50 1.53-1.64 -> 1.23-1.41 ms with 3 KB PNGs (the model's
-- are 1.5-3.3 KB), 2.5 -> 1.9 ms with 8 KB ones (probe: 300 inserts of four rows, twice each).
-- Storage is not part of Prisma's schema language, so this lives only here; `prisma migrate diff` sees
-- no difference.
ALTER TABLE "Candidate" ALTER COLUMN "png" SET STORAGE EXTERNAL;

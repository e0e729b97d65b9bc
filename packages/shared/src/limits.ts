/**
 * Every size Tessera accepts from the outside, in one place. Servers, the runner and the web app import
 * these so a limit changes once and is enforced everywhere.
 */
export const LIMITS = {
  /** Characters in a prompt (after trimming). */
  promptMaxChars: 300,
  /** Candidates one generation may ask for. */
  candidatesMin: 1,
  candidatesMax: 16,
  /** Sampling parameter bounds. */
  temperatureMax: 5,
  topKMax: 4096,
  guidanceScaleMax: 20,
  seedMax: 2 ** 31 - 1,
  /** Board and display names. */
  boardNameMaxChars: 80,
  displayNameMaxChars: 40,
  /** Cards on one board; text of a note card. */
  cardsPerBoardMax: 2000,
  noteMaxChars: 2000,
  /** Saved prompt presets on one board, and the length of a preset's name. */
  presetsPerBoardMax: 50,
  presetNameMaxChars: 60,
  /** Bytes of one HTTP GraphQL request body and one WebSocket frame. */
  httpBodyMaxBytes: 256 * 1024,
  wsFrameMaxBytes: 1024 * 1024,
  /** Bytes of one Yjs update and of a stored board document. */
  yjsUpdateMaxBytes: 2 * 1024 * 1024,
  boardDocumentMaxBytes: 16 * 1024 * 1024,
  /** GraphQL query shape. */
  queryMaxDepth: 10,
  queryMaxAliases: 20,
  queryMaxTokens: 2000,
  /** Candidates one export (a card or a whole board as a ZIP) may hold; past it the export is refused. */
  exportMaxCandidates: 2000,
  /** Characters in one comment, and comments on one candidate. */
  commentMaxChars: 1000,
  commentsPerCandidateMax: 500,
  /** Comments one person may post per hour, on every board together (a thread's bound alone lets a script
   * open threads on made-up card ids without end). */
  commentsPerUserPerHour: 240,
  /** Board search (by meaning, with CLIP): characters of the text, results one search returns, tags it filters by. */
  searchQueryMaxChars: 100,
  searchResultsMax: 50,
  searchTagsMax: 5,
  /** Board versions: a name's length, named versions one board keeps, and automatic ones (hourly while
   * edited, and the "before restoring" copies) kept before the oldest is dropped. */
  versionNameMaxChars: 80,
  namedVersionsPerBoardMax: 100,
  automaticVersionsPerBoardMax: 50,
  /** Bytes every version of one board may take together (the default of `TESSERA_VERSION_MB_PER_BOARD`): a
   * board document may reach 16 MB, so counts alone would let one board keep 150 × 16 MB. */
  versionBytesPerBoardMax: 64 * 1024 * 1024,
  /** Saves, renames, deletes and restores of versions one person may make per hour (each restore also
   * stores a copy). */
  versionWritesPerUserPerHour: 120,
  /** Prompt matrices: combinations one matrix makes (each a generation), and groups of alternatives. */
  matrixCellsMax: 16,
  /** Images a whole matrix may ask for (cells × images per cell): one job, one batch of the model. */
  matrixCandidatesMax: 32,
  matrixAxesMax: 4,
  /** A picture someone starts from: its file's bytes, its pixels (a small file can claim a huge image: a
   * decompression bomb is refused from its header, before decoding), and uploads per person per hour. */
  uploadMaxBytes: 8 * 1024 * 1024,
  uploadMaxPixels: 24_000_000,
  uploadsPerUserPerHour: 60,
  /** Generations one person may have waiting for the model at once (a fair queue still needs a bound). */
  queuedPerUserMax: 8,
  /** Generations one user may start per minute. */
  generationsPerMinute: 20,
  /**
   * Users created per client address per hour: a guest's row is written on their first write (a board, a
   * joined link, a name), so without this a script dropping its cookie adds a user (and a board) per call.
   */
  newUsersPerAddressPerHour: 120,
  /** Boards one user may create per hour. */
  boardsPerUserPerHour: 60,
  /** Share links one user may create per hour (revoked ones stay on record, so a count bound would not hold). */
  shareLinksPerUserPerHour: 60,
} as const;

export type Limits = typeof LIMITS;

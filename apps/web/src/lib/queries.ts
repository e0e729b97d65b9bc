/** The GraphQL documents the web app sends; fields mirror packages/shared/schema.graphql. */
export const CANDIDATE_FIELDS = "id index imageUrl clipScore rank votes votedByMe";
export const GENERATION_FIELDS = `id cardId prompt n status unknownWords error seed createdAt createdBy { id displayName } matrix { id } uploadFormat candidates { ${CANDIDATE_FIELDS} }`;

export const Q_HOME = `query Home { me { id displayName } boards { id name updatedAt myRole pickThumbnails(limit: 4) } }`;
export const Q_BOARD = `query Board($id: ID!) {
  me { id displayName }
  board(id: $id) { id name myRole viewersMayComment shareLinks { id token role revokedAt } }
  model { name gridRows gridCols imageSize vocabulary defaults { n temperature topK topP guidanceScale }
    concepts { index label zh emoji group synonyms zhSynonyms } conceptSpritesUrl conceptSpriteSize conceptSpriteColumns }
  limits { promptMaxChars candidatesMax generationsPerMinute matrixCellsMax }
}`;
/** Apart from Q_BOARD: the runner computes them on the first request after a start; the board needn't wait. */
export const Q_TOKEN_PATCHES = `query TokenPatches { model { tokenPatches } }`;
export const Q_GENERATION = `query Gen($id: ID!) { generation(id: $id) { ${GENERATION_FIELDS} } }`;
/** What the history picker says of each generation of a card: new or a remix of which candidate, its seed. */
export const Q_CARD_HISTORY = `query History($boardId: ID!, $cardId: ID!) { generations(boardId: $boardId, cardId: $cardId, limit: 20) { id seed n keepRows sourceCandidateId status candidates { id index rank imageUrl } } }`;
/** The board's generations with every setting, for the prompt history (lib/promptHistory.ts). */
export const Q_BOARD_PROMPTS = `query BoardPrompts($id: ID!) { board(id: $id) { generations(limit: 100) {
  id prompt n seed status createdAt createdBy { displayName } params { guidanceScale temperature negativePrompt }
  candidates { rank imageUrl }
} } }`;

const THREAD_FIELDS =
  "comments { id body createdAt author { id displayName } } reactions { emoji count mine } unread canComment";
export const Q_THREAD = `query Thread($c: ID!) { candidateThread(candidateId: $c) { ${THREAD_FIELDS} } }`;
export const Q_CARD_THREAD = `query CardThread($b: ID!, $k: ID!) { cardThread(boardId: $b, cardId: $k) { ${THREAD_FIELDS} } }`;
export const Q_MEMBERS = `query Members($b: ID!) { board(id: $b) { members { user { id displayName } } } }`;
export const Q_COMMENT_COUNTS = `query CommentCounts($g: ID!) { commentCounts(generationId: $g) { candidateId comments unread } }`;
export const M_ADD_COMMENT = `mutation AddComment($c: ID, $board: ID, $k: ID, $b: String!) { addComment(candidateId: $c, boardId: $board, cardId: $k, body: $b) { id } }`;
export const M_DELETE_COMMENT = `mutation DeleteComment($id: ID!) { deleteComment(id: $id) }`;
export const M_REACT = `mutation React($c: ID!, $e: String!) { toggleReaction(candidateId: $c, emoji: $e) { emoji count mine } }`;
export const M_VIEWERS_COMMENT = `mutation ViewersComment($b: ID!, $a: Boolean!) { setViewersMayComment(boardId: $b, allowed: $a) { viewersMayComment } }`;
export const M_READ = `mutation Read($c: ID, $board: ID, $k: ID) { markCommentsRead(candidateId: $c, boardId: $board, cardId: $k) }`;

export const M_SIGN_OUT_OTHERS = `mutation SignOutOthers { signOutOtherDevices }`;
export const M_SET_NAME = `mutation SetName($name: String!) { setDisplayName(name: $name) { id displayName } }`;
export const M_CREATE_BOARD = `mutation CreateBoard($name: String!) { createBoard(name: $name) { id } }`;
export const M_JOIN = `mutation Join($token: String!) { joinBoard(token: $token) { board { id } role } }`;
export const M_SHARE = `mutation Share($boardId: ID!, $role: Role!) { createShareLink(boardId: $boardId, role: $role) { id token role } }`;
export const M_START = `mutation Start($boardId: ID!, $cardId: ID!, $prompt: String!, $n: Int!, $params: GenerationParamsInput) {
  startGeneration(boardId: $boardId, cardId: $cardId, prompt: $prompt, n: $n, params: $params) { ${GENERATION_FIELDS} }
}`;
/** A prompt matrix: every combination of the prompt's {a|b} alternatives, as one job. */
export const M_START_MATRIX = `mutation StartMatrix($boardId: ID!, $cardId: ID!, $prompt: String!, $n: Int!, $params: GenerationParamsInput) {
  startPromptMatrix(boardId: $boardId, cardId: $cardId, prompt: $prompt, n: $n, params: $params) { id cells { generation { id } } }
}`;
export const Q_MATRIX = `query Matrix($id: ID!) { promptMatrix(id: $id) {
  id template rows cols rowLabels colLabels cells { row col prompt generation { id } } } }`;
export const M_CANCEL = `mutation Cancel($id: ID!) { cancelGeneration(id: $id) { id status } }`;
export const M_REMIX = `mutation Remix($candidateId: ID!, $keepRows: Int!, $n: Int!, $prompt: String) {
  remixCandidate(candidateId: $candidateId, keepRows: $keepRows, n: $n, prompt: $prompt) { ${GENERATION_FIELDS} }
}`;
export const M_VARIATIONS = `mutation Variations($generationId: ID!, $n: Int!) { variations(generationId: $generationId, n: $n) { ${GENERATION_FIELDS} } }`;
export const M_VOTE = `mutation Vote($candidateId: ID!) { castVote(candidateId: $candidateId) { ${CANDIDATE_FIELDS} } }`;
export const M_UNVOTE = `mutation Unvote($candidateId: ID!) { clearVote(candidateId: $candidateId) { ${CANDIDATE_FIELDS} } }`;

export const S_GENERATION = `subscription GenEvents($id: ID!) { generationEvents(generationId: $id) {
  generationId seq kind rows { candidate start tokens } rowsDone previews { candidate image } finished { candidate candidateId image } ranking { candidate score rank } unknownWords n errorCode message
} }`;
export const QUEUE_FIELDS =
  "entries { generationId cardId prompt createdBy createdById position etaMs } waiting running";
export const S_BOARD_QUEUE = `subscription Queue($boardId: ID!) { boardQueue(boardId: $boardId) { ${QUEUE_FIELDS} } }`;
export const S_BOARD = `subscription Activity($boardId: ID!) { boardActivity(boardId: $boardId) {
  boardId kind generationId cardId candidateId votes status
  versionId backupVersionId byName versionName versionKind
} }`;

/** The board search's GraphQL documents (issue 17 items 1 and 5); fields mirror packages/shared/schema.graphql. */
const MATCH_FIELDS = "candidate { id imageUrl tags clipScore rank } generationId cardId prompt score matchedTags";

export const Q_SEARCH_BOARD = `query SearchBoard($b: ID!, $t: String, $tags: [String!], $l: Int) {
  searchBoard(boardId: $b, text: $t, tags: $tags, limit: $l) { ${MATCH_FIELDS} }
}`;
export const Q_SIMILAR = `query Similar($c: ID!, $l: Int) { similarCandidates(candidateId: $c, limit: $l) { ${MATCH_FIELDS} } }`;
export const Q_BOARD_TAGS = `query BoardTags($b: ID!, $l: Int) { boardTags(boardId: $b, limit: $l) { tag count } }`;
/** A generation's candidates' tags, for the gallery's chips. */
export const Q_CANDIDATE_TAGS = `query CandidateTags($g: ID!) { generation(id: $g) { candidates { id tags } } }`;

export interface CandidateMatch {
  candidate: { id: string; imageUrl: string; tags: string[]; clipScore: number | null; rank: number | null };
  generationId: string;
  cardId: string;
  prompt: string;
  score: number | null;
  matchedTags: string[];
}

export interface TagCount {
  tag: string;
  count: number;
}

/**
 * The colour words CLIP tags with (the lab's), each with the swatch its chip shows: softened versions of the
 * colours the sticker world paints with, not CSS's pure #0000ff blue.
 */
const COLOUR_TAGS: Readonly<Record<string, string>> = {
  red: "#e03131",
  orange: "#f08c00",
  yellow: "#fcc419",
  green: "#2f9e44",
  blue: "#1c7ed6",
  purple: "#7048e8",
  pink: "#f06595",
  brown: "#8d5a3b",
  black: "#212529",
  white: "#ffffff",
  gray: "#adb5bd",
  beige: "#e9dcc0",
};

/** A colour tag's swatch, or null for a tag that is not a colour. */
export function swatchOf(tag: string): string | null {
  return COLOUR_TAGS[tag] ?? null;
}

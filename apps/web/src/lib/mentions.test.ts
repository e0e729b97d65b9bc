import { describe, expect, it } from "vitest";
import { splitMentions } from "./mentions.ts";

const members = [
  { id: "1", displayName: "Ada" },
  { id: "2", displayName: "Ada Lovelace" },
  { id: "3", displayName: "Bo" },
];

describe("splitMentions", () => {
  it("finds whole member names after @, the longest first, in any case", () => {
    expect(splitMentions("@ada lovelace look, and @Bo!", members)).toEqual([
      { mention: "@ada lovelace", userId: "2" },
      { text: " look, and " },
      { mention: "@Bo", userId: "3" },
      { text: "!" },
    ]);
  });

  it("leaves e-mail addresses, unknown names and name prefixes alone", () => {
    expect(splitMentions("mail bo@example.com or @Bob or @Carl", members)).toEqual([
      { text: "mail bo@example.com or @Bob or @Carl" },
    ]);
    expect(splitMentions("(@Ada)", members)).toEqual([{ text: "(" }, { mention: "@Ada", userId: "1" }, { text: ")" }]);
  });
});

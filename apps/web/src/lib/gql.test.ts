import { describe, expect, it } from "vitest";
import { friendlyError, GqlError } from "./gql.ts";

describe("friendlyError", () => {
  it("shows which limit was hit, in the API's words", () => {
    const boards = "You can create 60 boards an hour. Try again later, or reuse a board.";
    expect(friendlyError(new GqlError(boards, "RATE_LIMITED"))).toBe(boards);
    expect(friendlyError(new GqlError("", "RATE_LIMITED"))).toMatch(/Wait a moment/);
  });
  it("turns transport failures into something a person can act on", () => {
    expect(friendlyError(new GqlError("x", "NETWORK"))).toMatch(/Your board is safe/);
    expect(friendlyError(new GqlError("x", "FORBIDDEN"))).toMatch(/Ask its owner/);
  });
});

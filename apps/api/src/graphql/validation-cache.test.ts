import { buildSchema, type DocumentNode, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { cachingValidator } from "./validation-cache.ts";

const schema = buildSchema("type Query { a: Int, b: Int }");

function counted() {
  const calls: string[] = [];
  const check = cachingValidator(
    (doc: DocumentNode) => {
      calls.push(doc.loc!.source.body);
      return validate(schema, doc);
    },
    { maxEntries: 2, maxTextLength: 40 },
  );
  return { calls, check };
}

describe("cachingValidator", () => {
  it("validates a text once; the same text parsed again passes without validating", () => {
    const { calls, check } = counted();
    expect(check(parse("{ a }"))).toEqual([]);
    expect(check(parse("{ a }"))).toEqual([]);
    expect(check(parse("{ b }"))).toEqual([]);
    expect(calls).toEqual(["{ a }", "{ b }"]);
  });

  it("validates failing, long and evicted texts every time", () => {
    const { calls, check } = counted();
    expect(check(parse("{ nope }"))[0]?.message).toMatch(/Cannot query field "nope"/);
    expect(check(parse("{ nope }"))[0]?.message).toMatch(/Cannot query field "nope"/);
    const long = `{ ${"a ".repeat(30)}}`;
    check(parse(long));
    check(parse(long));
    check(parse("{ a }"));
    check(parse("{ b }"));
    check(parse("{ a b }")); // a third valid text: "{ a }", the least recently used, is forgotten
    check(parse("{ a }"));
    expect(calls).toEqual(["{ nope }", "{ nope }", long, long, "{ a }", "{ b }", "{ a b }", "{ a }"]);
  });
});

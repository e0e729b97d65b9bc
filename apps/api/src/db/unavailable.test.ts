import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "./unavailable.ts";

describe("isDatabaseUnavailable", () => {
  it("recognises Prisma, adapter, PostgreSQL and socket shapes of 'the database is gone'", () => {
    expect(isDatabaseUnavailable({ code: "P1001", message: "Can't reach database server at 127.0.0.1:1" })).toBe(true);
    expect(
      isDatabaseUnavailable({ code: "P2010", meta: { driverAdapterError: { cause: { kind: "ConnectionClosed" } } } }),
    ).toBe(true);
    expect(
      isDatabaseUnavailable({
        code: "P2010",
        meta: { driverAdapterError: { cause: { kind: "postgres", code: "57P01" } } },
      }),
    ).toBe(true);
    expect(
      isDatabaseUnavailable(new Error("wrapped", { cause: new Error("Connection terminated unexpectedly") })),
    ).toBe(true);
  });

  it("leaves real errors alone", () => {
    expect(isDatabaseUnavailable({ code: "P2002", message: "Unique constraint failed" })).toBe(false);
    expect(isDatabaseUnavailable(new TypeError("x is undefined"))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});

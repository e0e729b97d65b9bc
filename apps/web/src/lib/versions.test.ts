import { describe, expect, it } from "vitest";
import { restoreMessage, versionMeta, versionTitle } from "./versions.ts";

describe("versionTitle", () => {
  it("names a version by its name, else by the moment it keeps", () => {
    expect(versionTitle({ kind: "NAMED", name: "Before the workshop", restoredFrom: null })).toBe(
      "Before the workshop",
    );
    expect(versionTitle({ kind: "AUTOMATIC", name: null, restoredFrom: null })).toBe("Automatic version");
    const from = { id: "v1", createdAt: "2026-12-06T00:00:00Z" };
    expect(
      versionTitle({ kind: "BEFORE_RESTORE", name: null, restoredFrom: { ...from, name: "Ideas", kind: "NAMED" } }),
    ).toBe("Before restoring “Ideas”");
    expect(
      versionTitle({
        kind: "BEFORE_RESTORE",
        name: null,
        restoredFrom: { ...from, name: null, kind: "BEFORE_RESTORE" },
      }),
    ).toBe("Before undoing a restore");
    expect(versionTitle({ kind: "BEFORE_RESTORE", name: null, restoredFrom: null })).toBe("Before a restore");
  });
});

describe("versionMeta", () => {
  it("says who, when and how many cards; automatic versions are Tessera's", () => {
    const now = Date.parse("2026-12-06T12:00:00Z");
    expect(
      versionMeta({ createdAt: "2026-12-06T10:00:00Z", createdBy: { id: "u", displayName: "Ada" }, cardCount: 1 }, now),
    ).toBe("Ada · 2 h ago · 1 card");
    expect(versionMeta({ createdAt: "2026-12-06T11:59:30Z", createdBy: null, cardCount: 3 }, now)).toBe(
      "Tessera · just now · 3 cards",
    );
  });
});

describe("restoreMessage", () => {
  it("tells the board who restored what, and says an undo is an undo", () => {
    expect(restoreMessage({ byName: "Ada", versionName: "Ideas", versionKind: "NAMED" }, false)).toBe(
      "Ada restored the version “Ideas”.",
    );
    expect(restoreMessage({ byName: "Ada", versionName: "Ideas", versionKind: "NAMED" }, true)).toBe(
      "You restored the version “Ideas”.",
    );
    expect(restoreMessage({ byName: "Bo", versionName: null, versionKind: "BEFORE_RESTORE" }, false)).toBe(
      "Bo undid a restore: the board is back as it was.",
    );
    expect(restoreMessage({ byName: null, versionName: null, versionKind: "AUTOMATIC" }, false)).toBe(
      "Someone restored an earlier version of the board.",
    );
  });
});

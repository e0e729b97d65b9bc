import { buildSchema, parse } from "graphql";
import { describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { sharedPayload, subscribeShared } from "./shared-execution.ts";
import { registerFrameTarget } from "./shared-frames.ts";

const schema = buildSchema(`
  type Query { ok: Boolean }
  type Event { seq: Int!, kind: String!, viewer: String }
  type Subscription { events: Event! }
`);

/** A subscription resolver over a fixed list of event objects; `viewer` reads the caller's context. */
function argsFor(query: string, events: object[], share: boolean, context: object = {}) {
  const root = {
    events: async function* () {
      for (const e of events) yield share ? sharedPayload(e, () => ({ events: e })) : { events: e };
    },
  };
  return {
    schema,
    document: parse(query),
    rootValue: root,
    contextValue: context,
    fieldResolver: undefined,
    subscribeFieldResolver: (source: typeof root) => source.events(),
  };
}

async function collect(stream: unknown) {
  const out: unknown[] = [];
  for await (const r of stream as AsyncIterable<unknown>) out.push(r);
  return out;
}

describe("subscribeShared", () => {
  const events = [
    { seq: 0, kind: "A" },
    { seq: 1, kind: "B" },
  ];

  it("executes a shared payload once per operation: subscribers of the same document get the same result", async () => {
    const a = await collect(await subscribeShared(argsFor("subscription { events { seq kind } }", events, true)));
    const b = await collect(await subscribeShared(argsFor("subscription { events { seq kind } }", events, true)));
    expect(a).toEqual([{ data: { events: { seq: 0, kind: "A" } } }, { data: { events: { seq: 1, kind: "B" } } }]);
    expect(b[0]).toBe(a[0]);
    expect(b[1]).toBe(a[1]);
    const other = await collect(await subscribeShared(argsFor("subscription { events { kind } }", events, true)));
    expect(other).toEqual([{ data: { events: { kind: "A" } } }, { data: { events: { kind: "B" } } }]);
  });

  it("executes unmarked payloads per subscriber, with each caller's context", async () => {
    const viewerEvents = [{ seq: 0, kind: "A", viewer: null }];
    const withViewer = (name: string) => {
      const args = argsFor("subscription { events { viewer } }", viewerEvents, false, { name });
      return {
        ...args,
        fieldResolver: (
          src: Record<string, unknown>,
          _: unknown,
          ctx: { name: string },
          info: { fieldName: string },
        ) => (info.fieldName === "viewer" ? ctx.name : src[info.fieldName]),
      };
    };
    const [ada] = await collect(await subscribeShared(withViewer("Ada")));
    const [bo] = await collect(await subscribeShared(withViewer("Bo")));
    expect(ada).toEqual({ data: { events: { viewer: "Ada" } } });
    expect(bo).toEqual({ data: { events: { viewer: "Bo" } } });
  });

  it("with a frame target, sends shared results to the socket itself and yields the rest, in order", async () => {
    const log: string[] = [];
    const socket = {
      OPEN: 1,
      readyState: 1,
      bufferedAmount: 0,
      send: (frame: Buffer) => log.push(`socket ${JSON.parse(frame.toString()).payload.data.events.kind}`),
    };
    const mixed = [
      { seq: 0, kind: "A" },
      { seq: 1, kind: "B" },
      { seq: 2, kind: "C" },
    ];
    const context = {};
    registerFrameTarget(context, { socket: socket as unknown as WebSocket, id: "s1" });
    const args = {
      ...argsFor("subscription { events { kind } }", mixed, true, context),
      subscribeFieldResolver: () =>
        (async function* () {
          yield sharedPayload(mixed[0]!, () => ({ events: mixed[0] }));
          yield { events: mixed[1] }; // not marked shared: executed for this subscriber, left to the transport
          yield sharedPayload(mixed[2]!, () => ({ events: mixed[2] }));
        })(),
    };
    for await (const r of (await subscribeShared(args)) as AsyncIterable<{ data: { events: { kind: string } } }>) {
      log.push(`yielded ${r.data.events.kind}`);
    }
    expect(log).toEqual(["socket A", "yielded B", "socket C"]);
  });

  it("return() ends the source at once, even while it waits for an event", async () => {
    let finished = false;
    const args = {
      ...argsFor("subscription { events { seq } }", [], true),
      subscribeFieldResolver: () =>
        (async function* () {
          try {
            yield { events: { seq: 0, kind: "A" } };
            await new Promise(() => {}); // never another event
          } finally {
            finished = true;
          }
        })(),
    };
    const stream = (await subscribeShared(args)) as AsyncGenerator<unknown>;
    expect((await stream.next()).value).toEqual({ data: { events: { seq: 0 } } });
    await stream.return(undefined);
    expect(finished).toBe(true);
  });

  it("passes errors from the subscribe resolver through as a result", async () => {
    const args = {
      ...argsFor("subscription { events { seq } }", [], true),
      subscribeFieldResolver: () => {
        throw new Error("not allowed");
      },
    };
    const result = await subscribeShared(args);
    expect(result).toMatchObject({ errors: [{ message: "not allowed" }] });
  });
});

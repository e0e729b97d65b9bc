/**
 * Subscription fan-out with one execution per event, not one per subscriber.
 *
 * graphql-js runs the selection set once per subscriber for every event; with 200 people watching one
 * generation that was the largest CPU cost of delivering it (bench:api). A resolver whose payload reads
 * only the event — never the caller's context — wraps it with `sharedPayload`; `subscribeShared` then
 * executes each distinct operation (document text + variables + operation name) once per payload and
 * hands the same result to every subscriber of that operation. Payloads not marked shared take the
 * ordinary per-subscriber path, so context-dependent fields stay correct. A shared result is serialized
 * once for all its subscribers and, where the transport registered a frame target, written to each socket
 * directly (`shared-frames.ts`).
 */
import { createSourceEventStream, type ExecutionArgs, type ExecutionResult, execute, print } from "graphql";
import { type FrameTarget, frameTargetOf, isSharedResult, sendNext, shareSerialization } from "./shared-frames.ts";

type Result = ExecutionResult | Promise<ExecutionResult>;

const payloads = new WeakMap<object, object>();
const shareable = new WeakSet<object>();
const results = new WeakMap<object, Map<string, Result>>();

/**
 * The subscription payload for `event`, built once and reused for every subscriber that sees the same
 * event object. Only for payloads whose fields are resolved from the payload alone.
 */
export function sharedPayload<E extends object, P extends object>(event: E, make: (event: E) => P): P {
  let payload = payloads.get(event) as P | undefined;
  if (!payload) {
    payload = make(event);
    payloads.set(event, payload);
    shareable.add(payload);
  }
  return payload;
}

function operationKey(args: ExecutionArgs): string {
  const text = args.document.loc?.source.body ?? print(args.document);
  return `${args.operationName ?? ""}\u0000${JSON.stringify(args.variableValues ?? {})}\u0000${text}`;
}

/** Drop-in for graphql-js `subscribe` (graphql-ws's `subscribe` option). */
export async function subscribeShared(
  args: ExecutionArgs,
): Promise<AsyncGenerator<ExecutionResult, void, void> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source as ExecutionResult;
  const key = operationKey(args);
  const run = (payload: unknown): Result => {
    if (typeof payload !== "object" || payload === null || !shareable.has(payload)) {
      return execute({ ...args, rootValue: payload });
    }
    let byOperation = results.get(payload);
    if (!byOperation) {
      byOperation = new Map();
      results.set(payload, byOperation);
    }
    let result = byOperation.get(key);
    if (!result) {
      result = execute({ ...args, rootValue: payload });
      const share = (r: ExecutionResult) => {
        if (r.data && !r.errors) shareSerialization(r.data);
        return r;
      };
      result = result instanceof Promise ? result.then(share) : share(result);
      byOperation.set(key, result);
    }
    return result;
  };
  return mapStream(source[Symbol.asyncIterator](), run, frameTargetOf(args.contextValue));
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return typeof x === "object" && x !== null && Symbol.asyncIterator in x;
}

/**
 * Maps a stream; return()/throw() go straight to the source (its return() ends a pending next()). With a
 * frame target, shared results are sent from here and only the others are yielded to the transport.
 */
function mapStream<T, R>(
  source: AsyncIterator<T>,
  map: (t: T) => R | Promise<R>,
  target: FrameTarget | undefined,
): AsyncGenerator<R, void, void> {
  const done = { done: true, value: undefined } as const;
  let ended = false;
  const stream: AsyncGenerator<R, void, void> = {
    async next() {
      for (;;) {
        const r = await source.next();
        if (r.done || ended) return done;
        const mapped = map(r.value);
        const value = mapped instanceof Promise ? await mapped : mapped;
        if (!target || !isSharedResult(value)) return { done: false, value };
        if (ended) return done; // the client completed this subscription while it executed
        const backedUp = sendNext(target, value);
        if (backedUp) await backedUp;
      }
    },
    async return() {
      ended = true;
      await source.return?.();
      return done;
    },
    async throw(e: unknown) {
      ended = true;
      if (source.throw) await source.throw(e);
      throw e;
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}

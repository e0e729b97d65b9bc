/**
 * The client side of `bench:abuse`, in its own process: either normal traffic (the queries and votes a
 * board's members send, at a fixed rate, each request's latency recorded) or abusive GraphQL requests
 * (reliability item 6), each kind at a fixed rate. Fixed rates rather than closed loops, so that a slower
 * server shows up as latency instead of hiding as fewer requests. Runs a phase each time the parent asks, and reports it.
 */
import { performance } from "node:perf_hooks";

export interface LoadReport {
  type: "report";
  /** Per request kind: latencies (ms) and how the server answered ("200", "413 BAD_USER_INPUT", ...). */
  kinds: Record<string, { ms: number[]; answers: Record<string, number> }>;
  /** Requests that could not be sent at their time because the previous one of the kind was still out. */
  late: number;
  /** This client process's own CPU time in the phase (ms): on one machine it competes with the server. */
  cpuMs: number;
}

const [url, cookie, role, boardId, candidateId] = process.argv.slice(2);
const MB = 1024 * 1024;

type Shot = { kind: string; body: string; perSecond: number };

const normal: Shot[] = [
  { kind: "me", body: JSON.stringify({ query: "{ me { id displayName } }" }), perSecond: 60 },
  {
    kind: "board",
    body: JSON.stringify({
      query: "query($id: ID!) { board(id: $id) { id name myRole } }",
      variables: { id: boardId },
    }),
    perSecond: 60,
  },
  {
    kind: "castVote",
    body: JSON.stringify({
      query: "mutation($c: ID!) { castVote(candidateId: $c) { votes } }",
      variables: { c: candidateId },
    }),
    perSecond: 30,
  },
];

const ABUSE_PER_SECOND = Number(process.env.BENCH_ABUSE_PER_SECOND ?? 5);
const abuse: Shot[] = [
  {
    kind: "depth 50",
    body: JSON.stringify({ query: `{ __type(name: "Query") { ${"ofType { ".repeat(49)}name${" }".repeat(49)} } }` }),
    perSecond: ABUSE_PER_SECOND,
  },
  {
    kind: "1000 aliases",
    body: JSON.stringify({ query: `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(" ")} }` }),
    perSecond: ABUSE_PER_SECOND,
  },
  {
    kind: "batch of 1000",
    body: JSON.stringify(Array.from({ length: 1000 }, () => ({ query: "{ me { id } }" }))),
    perSecond: ABUSE_PER_SECOND,
  },
  {
    kind: "10 MB body",
    body: JSON.stringify({ query: "{ me { id } }", variables: { pad: "x".repeat(10 * MB) } }),
    perSecond: ABUSE_PER_SECOND,
  },
];

let report: LoadReport = { type: "report", kinds: {}, late: 0, cpuMs: 0 };

async function send(shot: Shot): Promise<void> {
  report.kinds[shot.kind] ??= { ms: [], answers: {} };
  const entry = report.kinds[shot.kind]!;
  const t = performance.now();
  let answer: string;
  try {
    const res = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: cookie! },
      body: shot.body,
    });
    const json = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    answer = `${res.status}${json.errors?.[0]?.extensions?.code ? ` ${json.errors[0].extensions.code}` : ""}`;
  } catch (e) {
    answer = `failed: ${(e as Error).message}`;
  }
  entry.ms.push(performance.now() - t);
  if (process.env.BENCH_DEBUG && performance.now() - t > 100)
    console.error(
      `[${role}] ${shot.kind} at ${(Date.now() % 100000) - Math.round(performance.now() - t)} took ${(performance.now() - t).toFixed(0)} ms`,
    );
  entry.answers[answer] = (entry.answers[answer] ?? 0) + 1;
}

/** Fires `shot` every 1000/perSecond ms until the end, from a random phase so kinds don't align. */
async function pace(shot: Shot, end: number): Promise<void> {
  const every = 1000 / shot.perSecond;
  let next = performance.now() + Math.random() * every;
  const out = new Set<Promise<void>>();
  while (next < end) {
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    if (performance.now() - next > every) report.late++;
    const p = send(shot).finally(() => out.delete(p));
    out.add(p);
    next += every;
  }
  await Promise.all(out);
}

// One process for the whole bench, told when to run a phase: a fresh process per phase would count its
// own cold start (JIT, new connections) as the server's latency.
const only = process.env.BENCH_ABUSE_ONLY?.trim();
const shots = role === "abuse" ? abuse.filter((s) => !only || s.kind === only) : normal;
process.on("message", async (m: { type: "run"; ms: number } | { type: "exit" }) => {
  if (m.type === "exit") process.exit(0);
  report = { type: "report", kinds: {}, late: 0, cpuMs: 0 };
  const cpu = process.cpuUsage();
  const end = performance.now() + m.ms;
  await Promise.all(shots.map((s) => pace(s, end)));
  const used = process.cpuUsage(cpu);
  report.cpuMs = (used.user + used.system) / 1000;
  process.send!(report);
});
process.send!({ type: "ready" });

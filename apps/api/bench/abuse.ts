/**
 * `npm run bench:abuse`: reliability item 6 — abusive GraphQL requests (depth 50, 1000 aliases, a batch of
 * 1000 operations, a 10 MB body) must be refused without hurting normal traffic. Normal traffic (a board
 * member's queries and votes at a fixed rate) runs alone, then alongside the abuse, and the two sets of
 * latencies are printed side by side, with how each abusive request was answered. Clients run in child
 * processes (normal and abusive apart, so one's sending doesn't delay the other's clock); the server is this
 * process, on a scratch database of the local PostgreSQL (else the embedded default). Asserts nothing.
 * A third phase runs the same abuse with the abusive client under Linux SCHED_IDLE (`chrt`): its CPU, and
 * the kernel's work sending its 10 MB bodies, then only take cores nobody else wants — the nearest this
 * 2-core machine gets to an attacker on another machine, so what the server itself loses shows apart from
 * what sharing its cores with the attacker costs.
 * BENCH_ABUSE_ONLY="1000 aliases" (a kind's name) sends one kind; BENCH_ABUSE_PER_SECOND sets the rate;
 * BENCH_DEBUG=1 prints each request slower than 100 ms, with wall-clock times, and the phases' starts.
 */
import { execFileSync, fork } from "node:child_process";
import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage, ServerResponse } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Client, startTestApi } from "../test/api-harness.ts";
import { scratchDatabase } from "../test/db-helpers.ts";
import type { LoadReport } from "./http-load.ts";

const PHASE_MS = Number(process.env.BENCH_PHASE_SECONDS ?? 8) * 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const db = process.env.DATABASE_URL
  ? { url: process.env.DATABASE_URL, drop: async () => {} }
  : await scratchDatabase("tessera_bench_abuse").catch(() => null);
const api = await startTestApi(db ? { databaseUrl: db.url } : {});
const member = new Client(api.url);
const boardId = (await member.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "abuse") { id } }`))
  .createBoard.id;
const gen = await member.ok<{ startGeneration: { id: string } }>(
  `mutation($b: ID!) { startGeneration(boardId: $b, cardId: "c", prompt: "a red circle", n: 1) { id } }`,
  { b: boardId },
);
await member.collect(`subscription($id: ID!) { generationEvents(generationId: $id) { seq } }`, {
  id: gen.startGeneration.id,
});
const candidateId = (
  await member.ok<{ generation: { candidates: { id: string }[] } }>(
    `query($id: ID!) { generation(id: $id) { candidates { id } } }`,
    { id: gen.startGeneration.id },
  )
).generation.candidates[0]!.id;
const abuser = new Client(api.url);
await abuser.ok("{ me { id } }"); // a guest cookie of its own

/** A load process for one role, kept for the whole bench and told when to run a phase. */
async function loader(role: "normal" | "abuse") {
  const who = role === "normal" ? member : abuser;
  const child = fork(new URL("./http-load.ts", import.meta.url), [api.url, who.cookie!, role, boardId, candidateId], {
    execArgv: ["--import", "tsx"],
  });
  child.once("exit", (code) => {
    if (code !== 0) {
      console.error(`${role} load exited with ${code}`);
      process.exit(1);
    }
  });
  await new Promise((r) => child.once("message", r));
  return {
    pid: child.pid!,
    run: (ms: number) =>
      new Promise<LoadReport>((resolve) => {
        child.once("message", (m) => resolve(m as LoadReport));
        child.send({ type: "run", ms });
      }),
    exit: () => child.send({ type: "exit" }),
  };
}
const normalLoad = await loader("normal");
const abuseLoad = await loader("abuse");
const load = (role: "normal" | "abuse", ms: number) => (role === "normal" ? normalLoad : abuseLoad).run(ms);

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
type Phase = "quiet" | "abused" | "idleAbuser";
const PHASES: Phase[] = ["quiet", "abused", "idleAbuser"];
/** One record per phase. */
const byPhase = <T>(make: () => T): Record<Phase, T> => ({ quiet: make(), abused: make(), idleAbuser: make() });
const merged = byPhase(() => new Map<string, number[]>());
type AbuseEntry = { ms: number[]; answers: Record<string, number> };
let normalFailures = 0;
const clientCpu = { normal: [] as number[], abuse: [] as number[], idleAbuse: [] as number[] };
const collect = (into: Map<string, number[]>, r: LoadReport) => {
  for (const [kind, k] of Object.entries(r.kinds)) {
    into.set(kind, [...(into.get(kind) ?? []), ...k.ms]);
    normalFailures += Object.entries(k.answers)
      .filter(([a]) => a !== "200")
      .reduce((n, [, c]) => n + c, 0);
  }
};

/**
 * Normal requests timed inside the server, from the request's arrival to its response's end (Node's
 * http diagnostics channels): what the server adds, without the clients' own scheduling on shared cores.
 */
const serverSide = { ...byPhase((): number[] => []), phase: null as Phase | null };
const arrived = new WeakMap<ServerResponse, number>();
subscribe("http.server.request.start", (m) => {
  const { request, response } = m as { request: IncomingMessage; response: ServerResponse };
  if (serverSide.phase && request.headers.cookie === member.cookie) arrived.set(response, performance.now());
});
subscribe("http.server.response.finish", (m) => {
  const { response } = m as { response: ServerResponse };
  const t = arrived.get(response);
  if (t !== undefined && serverSide.phase) serverSide[serverSide.phase].push(performance.now() - t);
});

/** The server's event-loop delay during a phase (what every request waits on top of its own work). */
const loopDelay = byPhase((): string[] => []);
/** The server process's CPU time per phase (ms, all its threads: event loop, GC, libuv, the idle model). */
const serverCpu = byPhase((): number[] => []);
async function measured<T>(phase: Phase, run: () => Promise<T>): Promise<T> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  if (process.env.BENCH_DEBUG) console.error(`[phase] ${phase} from ${Date.now() % 100000}`);
  const cpu = process.cpuUsage();
  serverSide.phase = phase;
  try {
    return await run();
  } finally {
    serverSide.phase = null;
    h.disable();
    const used = process.cpuUsage(cpu);
    serverCpu[phase].push((used.user + used.system) / 1000);
    loopDelay[phase].push(`p99 ${(h.percentile(99) / 1e6).toFixed(0)} / max ${(h.max / 1e6).toFixed(0)}`);
  }
}

// Warm-up, both kinds of traffic: the server's first abusive requests take cold paths (JIT, first
// allocation of large buffers), which would show as a stall at the start of the first measured phase.
await Promise.all([load("normal", 3000), load("abuse", 3000)]);
/** Every thread of the abusive client under SCHED_IDLE, or back to the normal policy. */
const abuserIdle = (idle: boolean) =>
  execFileSync("chrt", ["--all-tasks", idle ? "--idle" : "--other", "--pid", "0", String(abuseLoad.pid)]);
const abuseAnswers = { abused: new Map<string, AbuseEntry>(), idleAbuser: new Map<string, AbuseEntry>() };
for (let round = 0; round < ROUNDS; round++) {
  const alone = await measured("quiet", () => load("normal", PHASE_MS));
  collect(merged.quiet, alone);
  clientCpu.normal.push(alone.cpuMs);
  for (const phase of ["abused", "idleAbuser"] as const) {
    abuserIdle(phase === "idleAbuser");
    const [normal, abusive] = await measured(phase, () =>
      Promise.all([load("normal", PHASE_MS), load("abuse", PHASE_MS)]),
    );
    collect(merged[phase], normal);
    clientCpu.normal.push(normal.cpuMs);
    clientCpu[phase === "abused" ? "abuse" : "idleAbuse"].push(abusive.cpuMs);
    for (const [kind, k] of Object.entries(abusive.kinds)) {
      const e = abuseAnswers[phase].get(kind) ?? { ms: [], answers: {} };
      e.ms.push(...k.ms);
      for (const [a, c] of Object.entries(k.answers)) e.answers[a] = (e.answers[a] ?? 0) + c;
      abuseAnswers[phase].set(kind, e);
    }
  }
  abuserIdle(false);
}

const fmt = (ms: number[] | undefined) => {
  if (!ms?.length) return "—";
  const s = [...ms].sort((a, b) => a - b);
  return `n ${String(s.length).padStart(5)}  p50 ${pct(s, 50).toFixed(1).padStart(5)}  p99 ${pct(s, 99).toFixed(1).padStart(6)}`;
};
const perSecond = Number(process.env.BENCH_ABUSE_PER_SECOND ?? 5);
console.log(
  `normal traffic (150 requests/s: me, board, castVote), ${ROUNDS} × ${PHASE_MS / 1000} s per phase: alone, beside abuse (${perSecond}/s of each abusive kind), and beside the same abuse from a client under SCHED_IDLE (≈ another machine); latency ms:`,
);
const all = (m: Map<string, number[]>) => [...m.values()].flat();
for (const kind of [...merged.quiet.keys(), "all"]) {
  const cells = PHASES.map((p) => fmt(kind === "all" ? all(merged[p]) : merged[p].get(kind)));
  console.log(`  ${kind.padEnd(9)} alone: ${cells[0]}   beside abuse: ${cells[1]}   idle abuser: ${cells[2]}`);
}
console.log(`  normal requests not answered 200: ${normalFailures}`);
console.log(
  `  the same requests timed inside the server (arrival → response end): alone ${fmt(serverSide.quiet)}   beside abuse ${fmt(serverSide.abused)}   idle abuser ${fmt(serverSide.idleAbuser)}`,
);
console.log(
  `  server event-loop delay ms, per phase: alone ${loopDelay.quiet.join(", ")}; beside abuse ${loopDelay.abused.join(", ")}; idle abuser ${loopDelay.idleAbuser.join(", ")}`,
);
const cpuPerSecond = (ms: number[]) => ms.map((m) => `${((m / PHASE_MS) * 100).toFixed(0)} %`).join(", ");
console.log(
  `  server CPU (all threads, % of one core), per phase: alone ${cpuPerSecond(serverCpu.quiet)}; beside abuse ${cpuPerSecond(serverCpu.abused)}; idle abuser ${cpuPerSecond(serverCpu.idleAbuser)}`,
);
const requestsAlone = all(merged.quiet).length;
const cpuAlone = serverCpu.quiet.reduce((a, b) => a + b, 0);
console.log(
  `  server CPU per normal request (alone): ${((cpuAlone * 1000) / requestsAlone).toFixed(0)} µs; the clients' own processes, % of one core: normal ${cpuPerSecond(clientCpu.normal)}, abusive ${cpuPerSecond(clientCpu.abuse)}, idle abusive ${cpuPerSecond(clientCpu.idleAbuse)}`,
);
for (const phase of ["abused", "idleAbuser"] as const) {
  console.log(`abusive requests${phase === "idleAbuser" ? " (idle abuser)" : ""}, answered:`);
  for (const [kind, e] of abuseAnswers[phase]) {
    const answers = Object.entries(e.answers)
      .map(([a, c]) => `${c} × ${a}`)
      .join(", ");
    console.log(`  ${kind.padEnd(13)} ${fmt(e.ms)}   ${answers}`);
  }
}
console.log(`server RSS after: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);
normalLoad.exit();
abuseLoad.exit();
await api.close();
await db?.drop();

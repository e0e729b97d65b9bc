/**
 * The API server: one Node HTTP server, one port. GraphQL over HTTP (Apollo 5) and graphql-ws at
 * `/graphql`, Hocuspocus at `/yjs`, images, health, readiness and metrics; every other route goes to the
 * optional fallback handler (the Next.js app, wired in the root `scripts/start.ts`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { CONCEPT_SPRITES_PATH, ERROR_CODES, LIMITS } from "@tessera/shared";
import pino, { type Logger } from "pino";
import { clearSessionCookieHeader, createAuth, loadSecret, sessionCookieHeader } from "./auth/index.ts";
import { createCollab } from "./collab/index.ts";
import { type Config, loadConfig } from "./config.ts";
import { openDatabase } from "./db/index.ts";
import { isDatabaseUnavailable } from "./db/unavailable.ts";
import { BoardActivityBus } from "./generation/board-activity.ts";
import { createInProcessEngine, type GenerationEngine } from "./generation/engine.ts";
import { RateLimiter } from "./generation/rate-limit.ts";
import { GenerationService } from "./generation/service.ts";
import type { Context, Services, WriteLimits } from "./graphql/context.ts";
import { toFormattedError } from "./graphql/errors.ts";
import { httpContext, sessionPlugin } from "./graphql/http-session.ts";
import { buildSchema } from "./graphql/schema.ts";
import { createGraphqlWs } from "./graphql/ws.ts";
import { matchExportPath, serveBoardExport } from "./http/board-export.ts";
import { clientAddress, reachedOverTls } from "./http/client-address.ts";
import { handleGraphqlHttp } from "./http/graphql-http.ts";
import { matchImagePath, serveConceptSprites, serveImage } from "./http/images.ts";
import { createMetrics } from "./http/metrics.ts";
import { allowedOrigins, type OriginPolicy, originAllowed } from "./http/origin.ts";
import { closeAfterAnswer, HttpError } from "./http/read-body.ts";
import { metricsAllowed, setSecurityHeaders } from "./http/security-headers.ts";
import { serveUpload, UPLOAD_PATH } from "./http/uploads.ts";
import { createScaleOut, type ScaleOut } from "./scale/index.ts";
import { startEmbeddingBackfill } from "./search/backfill-embeddings.ts";
import { EmbeddingIndex } from "./search/embedding-index.ts";
import { BoardVersions } from "./versions/board-versions.ts";

export type Fallback = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ApiServerOptions {
  config?: Config;
  logger?: Logger;
  fallback?: Fallback;
  /** Injected engine (tests, benches); default: the in-process runner from TESSERA_MODEL_DIR. */
  engine?: GenerationEngine | null;
  /** Grace for in-flight generations on close before they are cancelled. */
  shutdownGraceMs?: number;
  /** Injected write budgets (tests); default: LIMITS, in memory or in Redis when scaled out. */
  writeLimits?: Partial<WriteLimits>;
}

export interface ApiServer {
  url: string;
  port: number;
  services: Services;
  close(): Promise<void>;
}

let requestSeq = 0;
const HOUR_MS = 3_600_000;

export async function startApiServer(opts: ApiServerOptions = {}): Promise<ApiServer> {
  const config = opts.config ?? loadConfig();
  const logger = opts.logger ?? pino({ level: config.LOG_LEVEL });
  const metrics = createMetrics();
  const db = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.TESSERA_DATA_DIR,
    log: (m) => logger.debug({ component: "postgres" }, m),
  });
  const secret = await loadSecret(config.TESSERA_DATA_DIR, config.TESSERA_SECRET);
  const auth = createAuth(db.prisma, secret);
  const generationMetrics = {
    onEvent: (type: string) => metrics.runnerEvents.inc({ type }),
    onFinished: (status: string, ms: number) => {
      metrics.generations.inc({ status });
      metrics.generationSeconds.observe(ms / 1000);
    },
  };
  // REDIS_URL: scaled out — runners are separate processes fed by a queue, events and activity go
  // through Redis, Yjs edits reach the other nodes through the Hocuspocus Redis extension.
  const redisUrl = config.REDIS_URL;
  const scale: ScaleOut | null = redisUrl
    ? await createScaleOut({
        config: { ...config, REDIS_URL: redisUrl },
        prisma: db.prisma,
        documents: db.documents,
        logger,
        metrics: generationMetrics,
      })
    : null;
  const activity = scale?.activity ?? new BoardActivityBus();
  let engine: GenerationEngine | null = null;
  if (scale) engine = scale.engine;
  else if (opts.engine !== undefined) engine = opts.engine;
  else {
    try {
      engine = await createInProcessEngine({
        modelDir: config.TESSERA_MODEL_DIR,
        executionProviders: config.TESSERA_EP.split(",").map((s) => s.trim()),
        threads: config.TESSERA_THREADS,
      });
      // What each code looks like (the token mosaic) takes ~3 s for the sticker model's 1024 codes, in slices
      // that give way to generations. Started now, in the background, it is ready before the first board
      // asks; computed on that first request instead, the first generation streamed without it.
      const warming = engine;
      void warming.tokenPatches().catch((err) => logger.warn({ err }, "token patches could not be computed"));
    } catch (err) {
      // The board still works without a model; generation mutations answer RUNNER_UNAVAILABLE.
      logger.error({ err, modelDir: config.TESSERA_MODEL_DIR }, "runner unavailable");
    }
  }
  const generations =
    scale?.generations ??
    (engine
      ? new GenerationService(db.prisma, engine, activity, logger, 100, generationMetrics, undefined, {
          fifo: config.TESSERA_QUEUE_ORDER === "fifo",
        })
      : null);
  const reaped = generations ? await generations.reapStale() : 0;
  if (reaped) logger.warn({ reaped }, "marked generations interrupted by a restart as failed");
  generations?.startReaper();

  // Versions read and edit boards through collab, and collab tells them when a board was stored: the late
  // binding breaks the cycle.
  let versions: BoardVersions | null = null;
  const collab = createCollab({
    prisma: db.documents,
    logger: logger.child({ component: "collab" }),
    authorize: (headers, boardId) => auth.authorize(headers, boardId),
    onStored: async (boardId, state) => versions?.onStored(boardId, state),
    ...scale?.collab,
  });
  versions = new BoardVersions(
    db.prisma,
    { read: (boardId) => collab.readDocument(boardId), edit: (boardId, fn) => collab.withDocument(boardId, fn) },
    activity,
    logger.child({ component: "versions" }),
    {
      autoIntervalMs: config.TESSERA_AUTO_VERSION_MINUTES * 60_000,
      maxBytes: config.TESSERA_VERSION_MB_PER_BOARD * 2 ** 20,
    },
  );
  /** An hourly budget: shared through Redis when scaled out, else in this process. */
  const hourly = (name: string, max: number) => scale?.rateLimiter(name, max, HOUR_MS) ?? new RateLimiter(max, HOUR_MS);
  const uploadLimiter = hourly("uploads", LIMITS.uploadsPerUserPerHour);
  const services: Services = {
    prisma: db.prisma,
    auth,
    activity,
    engine,
    generations,
    withDocument: (boardId, fn) => collab.withDocument(boardId, fn),
    versions,
    embeddings: new EmbeddingIndex(db.prisma),
    writeLimits: {
      newUsers: opts.writeLimits?.newUsers ?? hourly("new-users", LIMITS.newUsersPerAddressPerHour),
      boards: opts.writeLimits?.boards ?? hourly("boards", LIMITS.boardsPerUserPerHour),
      versions: opts.writeLimits?.versions ?? hourly("version-writes", LIMITS.versionWritesPerUserPerHour),
      comments: opts.writeLimits?.comments ?? hourly("comments", LIMITS.commentsPerUserPerHour),
      shareLinks: opts.writeLimits?.shareLinks ?? hourly("share-links", LIMITS.shareLinksPerUserPerHour),
    },
  };
  const schema = buildSchema();
  const armor = new ApolloArmor({
    maxDepth: { n: LIMITS.queryMaxDepth },
    maxAliases: { n: LIMITS.queryMaxAliases },
    // graphql-armor's Apollo token plugin re-parses in parsingDidStart and lets a plain syntax error escape
    // that hook, which Apollo answers with HTTP 500 (found by the graphql-http audit); graphql-js counts
    // tokens in Apollo's own parse instead (parseOptions below), so a syntax error stays a 400.
    maxTokens: { enabled: false },
    costLimit: { maxCost: 5000 },
    maxDirectives: { n: 20 },
    blockFieldSuggestion: { enabled: !config.introspection },
  });
  const protection = armor.protect();
  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    csrfPrevention: true,
    // Apollo would stop itself and re-raise the signal, killing the process before generations persist
    // and Yjs flushes; our close() owns shutdown.
    stopOnTerminationSignals: false,
    // graphql-armor's types come from Apollo's CJS build; the plugins are the same objects.
    plugins: [...(protection.plugins as unknown as ApolloServerPlugin<Context>[]), sessionPlugin(auth)],
    validationRules: protection.validationRules,
    parseOptions: { maxTokens: LIMITS.queryMaxTokens },
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    formatError: (f, e) => toFormattedError(f, e, logger),
  });
  await apollo.start();
  const ws = createGraphqlWs({
    schema,
    services,
    validationRules: protection.validationRules,
    metrics,
    logger,
    trustProxyHops: config.TRUST_PROXY_HOPS,
  });

  let shuttingDown = false;
  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<string> {
    const path = url.pathname;
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      return "healthz";
    }
    if (path === "/readyz") {
      const ok = !shuttingDown && (await db.prisma.$queryRaw`SELECT 1`.then(() => true).catch(() => false));
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok, database: ok, runner: engine !== null }));
      return "readyz";
    }
    if (path === "/metrics") {
      if (!metricsAllowed(req, config.TESSERA_METRICS_TOKEN)) {
        res.writeHead(404, { "content-type": "text/plain" }).end("Not found.");
        return "metrics_refused";
      }
      metrics.queueDepth.set(generations?.inFlight() ?? 0);
      metrics.yjsDocuments.set(collab.documentCount());
      metrics.yjsConnections.set(collab.connectionCount());
      res.writeHead(200, { "content-type": metrics.registry.contentType }).end(await metrics.registry.metrics());
      return "metrics";
    }
    if (path === CONCEPT_SPRITES_PATH) {
      await serveConceptSprites(req, res, engine);
      return "model";
    }
    const exportBoard = matchExportPath(path);
    if (exportBoard && (req.method === "GET" || req.method === "HEAD")) {
      await serveBoardExport(req, res, exportBoard, url.searchParams.get("card"), { prisma: db.prisma, auth, engine });
      return "export";
    }
    if (path === UPLOAD_PATH) {
      await serveUpload(req, res, url, {
        prisma: db.prisma,
        auth,
        engine,
        activity,
        withDocument: (boardId, fn) => collab.withDocument(boardId, fn),
        limiter: uploadLimiter,
        originOk: (origin) => originAllowed(origin, req.headers.host, originPolicy),
      });
      return "upload";
    }
    const imageId = matchImagePath(path);
    if (imageId) {
      await serveImage(req, res, imageId, { prisma: db.prisma, auth, engine });
      return "images";
    }
    if (path === "/graphql") {
      // The session is looked up after Apollo validates the request (http-session.ts): a refused request
      // costs no database work.
      const address = clientAddress(req, config.TRUST_PROXY_HOPS);
      await handleGraphqlHttp(apollo, req, res, url, async () =>
        httpContext(services, req.headers, reachedOverTls(req, config.TRUST_PROXY_HOPS, config.PUBLIC_URL), address),
      );
      return "graphql";
    }
    if (opts.fallback) {
      // Pages create the guest identity too, so the first page load already carries a session.
      if (req.method === "GET" && !path.startsWith("/_next/")) {
        const cookie = auth.pageCookie(req.headers);
        if (cookie === "clear") res.setHeader("set-cookie", clearSessionCookieHeader());
        else if (cookie) {
          const secure = reachedOverTls(req, config.TRUST_PROXY_HOPS, config.PUBLIC_URL);
          res.setHeader("set-cookie", sessionCookieHeader(cookie, secure));
        }
      }
      await opts.fallback(req, res);
      return "web";
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("Not found.");
    return "not_found";
  }

  // Slow-header (slowloris) sockets: a request has 10 s to send its headers and 60 s in all, checked every
  // second (Node's default check every 30 s left 300 such sockets open for 40 s and more).
  const server = createServer(
    { headersTimeout: 10_000, requestTimeout: 60_000, connectionsCheckingInterval: 1_000 },
    (req, res) => {
      const id = `${process.pid.toString(36)}-${(++requestSeq).toString(36)}`;
      res.setHeader("x-request-id", id);
      setSecurityHeaders(req, res);
      const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
      route(req, res, url)
        .then((name) => metrics.httpRequests.inc({ route: name, status: String(res.statusCode) }))
        .catch((err) => {
          // E.g. the session lookup before GraphQL runs: a stopped database is a 503 to retry, not a bug.
          const unavailable = !(err instanceof HttpError) && isDatabaseUnavailable(err);
          const status = err instanceof HttpError ? err.status : unavailable ? 503 : 500;
          if (unavailable) logger.warn({ err, reqId: id, path: url.pathname }, "database unavailable");
          else if (status >= 500) logger.error({ err, reqId: id, path: url.pathname }, "request failed");
          metrics.httpRequests.inc({ route: "error", status: String(status) });
          if (res.headersSent) return void res.destroy();
          const code =
            status === 413 || status === 400 ? "BAD_USER_INPUT" : unavailable ? "DATABASE_UNAVAILABLE" : "INTERNAL";
          const message =
            err instanceof HttpError
              ? err.message
              : unavailable
                ? ERROR_CODES.DATABASE_UNAVAILABLE
                : "Something went wrong on our side.";
          if (err instanceof HttpError && err.bodyUnread) res.once("finish", () => closeAfterAnswer(req.socket));
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
        });
    },
  );
  let originPolicy: OriginPolicy = {
    allowed: allowedOrigins(config.PUBLIC_URL, config.TESSERA_ALLOWED_ORIGINS),
    host: config.HOST,
    port: config.PORT,
  };
  server.on("upgrade", (req, socket, head) => {
    socket.on("error", () => socket.destroy());
    const path = (req.url ?? "").split("?")[0];
    if (shuttingDown) return void socket.destroy();
    if (!originAllowed(req.headers.origin, req.headers.host, originPolicy)) {
      // Refused before the upgrade: the page never gets a socket, so nothing runs with the victim's cookie.
      metrics.httpRequests.inc({ route: "ws_origin_refused", status: "403" });
      logger.warn({ origin: req.headers.origin, path }, "websocket refused: foreign origin");
      socket.end(
        "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nThis origin may not open Tessera's sockets.",
      );
      return;
    }
    if (path === "/graphql") ws.wss.handleUpgrade(req, socket, head, (c) => ws.wss.emit("connection", c, req));
    else if (path === "/yjs" || path?.startsWith("/yjs/")) collab.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const port = (server.address() as AddressInfo).port;
  originPolicy = { ...originPolicy, port }; // PORT=0 in tests: the real port is known only now
  const url = `http://${config.HOST}:${port}`;
  logger.info(
    {
      url,
      database: db.embedded ? "embedded" : "DATABASE_URL",
      runner: scale ? "redis" : (engine?.model().name ?? null),
    },
    "api listening",
  );

  // Candidates stored without an embedding (before search existed) get one in the background; in-process only:
  // scaled out, the runner processes do it (they hold the model).
  const backfill =
    engine && !scale
      ? startEmbeddingBackfill({
          prisma: db.prisma,
          model: engine.model(),
          describe: (grids) => engine.describeGrids(grids),
          log: logger,
        })
      : null;

  let closing: Promise<void> | null = null;
  async function close(): Promise<void> {
    shuttingDown = true;
    const backfillStopped = backfill?.stop(); // aborts now; its batch in flight is awaited below
    // Stop accepting, let generations finish (or persist as cancelled), flush Yjs, then close the database.
    server.close();
    // SIGTERM must exit within 10 s: 7 s for generations, the rest for flushing and closing.
    await generations?.shutdown(opts.shutdownGraceMs ?? 7_000);
    await backfillStopped;
    await collab.flushAll();
    await collab.close();
    await ws.close();
    for (const c of ws.wss.clients) c.terminate();
    server.closeAllConnections();
    await apollo.stop();
    await engine?.close();
    await scale?.close();
    await db.close();
    logger.info("api stopped");
  }
  return {
    url,
    port,
    services,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}

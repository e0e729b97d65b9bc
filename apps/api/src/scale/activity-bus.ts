/**
 * Board activity across nodes over Redis pub/sub: `publish` goes to Redis and every node (this one
 * included) hands what arrives to its local subscribers. Pub/sub is fire-and-forget — a node that is
 * disconnected from Redis misses activity meanwhile — which suits these notifications: each one tells a
 * client to refresh something it can always reload (generation status, votes, ranking).
 */
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { BoardActivityBus, type BoardActivityEvent } from "../generation/board-activity.ts";

export function publishActivity(redis: Redis, channel: string, e: BoardActivityEvent, logger: Logger): void {
  redis.publish(channel, JSON.stringify(e)).catch((err: unknown) => logger.warn({ err }, "activity not published"));
}

export class RedisBoardActivityBus extends BoardActivityBus {
  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {
    super();
  }

  /** `sub` becomes a subscriber connection (it can issue nothing else); both are owned by the bus. */
  static async create(pub: Redis, sub: Redis, channel: string, logger: Logger): Promise<RedisBoardActivityBus> {
    const bus = new RedisBoardActivityBus(pub, sub, channel, logger);
    sub.on("message", (ch: string, message: string) => {
      if (ch !== channel) return;
      try {
        bus.deliver(JSON.parse(message) as BoardActivityEvent);
      } catch (err) {
        logger.warn({ err }, "malformed activity message");
      }
    });
    await sub.subscribe(channel);
    return bus;
  }

  override publish(e: BoardActivityEvent): void {
    publishActivity(this.pub, this.channel, e, this.logger);
  }

  private deliver(e: BoardActivityEvent): void {
    super.publish(e);
  }

  async close(): Promise<void> {
    this.sub.disconnect();
  }
}

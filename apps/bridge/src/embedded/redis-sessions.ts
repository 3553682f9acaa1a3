import { Readable } from 'node:stream';
import AsyncRedisPersistence from 'aedes-persistence-redis/asyncPersistence.js';
import { Redis } from 'ioredis';

/** Aedes 1.x reads these as Node streams; aedes-persistence-redis 11 returns async iterables for some of them. */
const asStream = (source: unknown): Readable =>
  source instanceof Readable ? source : Readable.from(source as AsyncIterable<unknown>);

class StreamingRedisPersistence extends AsyncRedisPersistence {
  override createRetainedStreamCombi(patterns: string[]): Readable {
    return asStream(super.createRetainedStreamCombi(patterns));
  }

  override outgoingStream(client: unknown): Readable {
    return asStream(super.outgoingStream(client));
  }

  override streamWill(brokers: unknown): Readable {
    return asStream(super.streamWill(brokers));
  }

  override getClientList(topic: string): Readable {
    return asStream(super.getClientList(topic));
  }
}

export interface SessionStore {
  /** Aedes's `persistence` option. */
  persistence: AsyncRedisPersistence;
  /** Whether Redis is connected (readiness). */
  isReady(): boolean;
  /** Closes the Redis connection (after the broker closed). */
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Persistent MQTT sessions in Redis (aedes-persistence-redis): subscriptions, QoS 1 messages queued for
 * offline clients, retained messages and wills survive a restart of apps/bridge. Keys are prefixed per
 * bus namespace, so several platforms (a developer's, a test run) can share one Redis.
 */
export async function openRedisSessionStore(url: string, keyPrefix: string): Promise<SessionStore> {
  const redis = new Redis(url, { keyPrefix, lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const where = new URL(url).host;
    throw new Error(`MQTT_SESSIONS_REDIS_URL: Redis at ${where} is not reachable (${String(error)})`);
  }
  const persistence = new StreamingRedisPersistence({ conn: redis });
  return { persistence, isReady: () => redis.status === 'ready', close: () => persistence.destroy() };
}

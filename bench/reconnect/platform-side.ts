import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { Client } from 'pg';
import {
  BridgeRpc,
  CONNECTION_STREAM,
  type CommandAccepted,
  type CommandView,
  type ConnectionEvent,
  type DownlinkRequest,
} from '@iot/contracts';
import { decode } from '@iot/messaging';
import type { ApiClient, DeviceIdentity } from '@iot/testing';
import type { BenchPlatform } from '../lib/bench-platform';
import { mapPool } from '../lib/pool';
import { epochMs } from './sessions';

export type CommandKind = 'property' | 'message';

/** A thing model with one writable property: enough for `property/set` commands. */
export const BENCH_MODEL = {
  properties: [
    {
      identifier: 'Brightness',
      name: 'brightness',
      accessMode: 'rw',
      dataType: { type: 'int', specs: { min: '0', max: '100', step: '1' } },
    },
  ],
  events: [],
  services: [],
};

/** The topic a device receives its command on. */
export function commandTopic(kind: CommandKind, d: DeviceIdentity): string {
  return kind === 'property'
    ? `/sys/${d.productKey}/${d.deviceName}/thing/service/property/set`
    : `/${d.productKey}/${d.deviceName}/user/get`;
}

/** The payload of a `message` command (and of every baseline message): names the device and the round. */
export function messagePayload(d: DeviceIdentity, round: number): string {
  return JSON.stringify({ bench: 'reconnect', device: d.deviceName, round });
}

/** One queued command per device, through the HTTP API as an application would (setup, not measured). */
export async function queueCommands(
  api: ApiClient,
  kind: CommandKind,
  devices: readonly DeviceIdentity[],
  round: number,
  concurrency: number,
): Promise<CommandAccepted[]> {
  return mapPool(devices, concurrency, (d, i) => {
    const path = `/v1/products/${d.productKey}/devices/${d.deviceName}`;
    return kind === 'property'
      ? api.ok<CommandAccepted>('POST', `${path}/properties`, { items: { Brightness: (i + round) % 101 } })
      : api.ok<CommandAccepted>('POST', `${path}/messages`, {
          topic: commandTopic(kind, d),
          payload: messagePayload(d, round),
        });
  });
}

/** Whether a received payload is the command: its alink id for a property set, the exact bytes for a message. */
export function commandMatcher(
  kind: CommandKind,
  d: DeviceIdentity,
  round: number,
  commandId: string,
): (payload: Buffer) => boolean {
  if (kind === 'message') {
    const expected = messagePayload(d, round);
    return (payload) => payload.toString('utf8') === expected;
  }
  return (payload) => {
    try {
      return (JSON.parse(payload.toString('utf8')) as { id?: unknown }).id === commandId;
    } catch {
      return false;
    }
  };
}

export const countBy = <T>(values: readonly T[], key: (v: T) => string): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const v of values) counts[key(v)] = (counts[key(v)] ?? 0) + 1;
  return counts;
};

/** The commands' statuses straight from apps/tsl's table (cheap enough to poll). */
export class CommandTable {
  private constructor(private readonly db: Client) {}

  static async open(databaseUrl: string): Promise<CommandTable> {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    return new CommandTable(db);
  }

  async statuses(ids: readonly string[]): Promise<Record<string, number>> {
    const { rows } = await this.db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM "tsl"."Command" WHERE id = ANY($1) GROUP BY status',
      [ids],
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** deliveredAt (epoch ms) by command id. Prisma stores UTC in `timestamp(3)`: EXTRACT(EPOCH) reads it as UTC. */
  async deliveredAt(ids: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ id: string; at: string | null }>(
      'SELECT id, EXTRACT(EPOCH FROM "deliveredAt") * 1000 AS at FROM "tsl"."Command" WHERE id = ANY($1)',
      [ids],
    );
    return new Map(rows.filter((r) => r.at !== null).map((r) => [r.id, Number(r.at)]));
  }

  /** Polls until every command has one of `statuses`; the epoch ms it happened, or undefined at the timeout. */
  async waitAll(ids: readonly string[], statuses: readonly string[], timeoutMs: number): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = await this.statuses(ids);
      if (statuses.reduce((n, s) => n + (counts[s] ?? 0), 0) === ids.length) return epochMs();
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): Promise<void> {
    return this.db.end();
  }
}

/** Statuses of a sample of commands through `GET /v1/commands/{id}` (the API's view). */
export async function apiStatuses(
  api: ApiClient,
  ids: readonly string[],
  sample: number,
  concurrency: number,
): Promise<{ checked: number; statuses: Record<string, number> }> {
  const step = sample > 0 && sample < ids.length ? ids.length / sample : 1;
  const picked = Array.from({ length: Math.ceil(ids.length / step) }, (_, i) => ids[Math.floor(i * step)]);
  const views = await mapPool(picked, concurrency, (id) => api.ok<CommandView>('GET', `/v1/commands/${id}`));
  return { checked: views.length, statuses: countBy(views, (v) => v.status) };
}

/** Backlog of one durable consumer of the connection stream during a storm. */
export interface ConsumerBacklog {
  consumer: string;
  /** Largest number of events stored but not yet acknowledged by the consumer. */
  maxBacklog: number;
  /** From the storm's start until the backlog was last seen non-zero (NaN: never had one). */
  drainedAfterMs: number;
}

/**
 * Polls every durable consumer of the run's connection stream (apps/auth's status, apps/tsl's delivery,
 * shadow, rules) while a storm runs: how far behind the connection events each one falls.
 */
export class ConsumerWatch {
  private readonly backlog = new Map<string, { max: number; lastNonZeroMs: number }>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private running = false;
  private startMs = 0;

  constructor(
    private readonly bench: BenchPlatform,
    private readonly intervalMs = 100,
  ) {}

  private get stream(): string {
    return this.bench.streamName(CONNECTION_STREAM);
  }

  async names(): Promise<string[]> {
    const names: string[] = [];
    for await (const c of this.bench.jsm.consumers.list(this.stream)) if (c.config.durable_name) names.push(c.name);
    return names;
  }

  /** Events stored but not acknowledged, by consumer, and the stream's last sequence. */
  async pending(): Promise<{ lastSeq: number; byConsumer: Map<string, number> }> {
    const byConsumer = new Map<string, number>();
    let lastSeq = 0;
    for await (const c of this.bench.jsm.consumers.list(this.stream)) {
      if (!c.config.durable_name) continue;
      byConsumer.set(c.name, c.num_pending + c.num_ack_pending);
    }
    lastSeq = (await this.bench.jsm.streams.info(this.stream)).state.last_seq;
    return { lastSeq, byConsumer };
  }

  /**
   * Resolves once every consumer has handled every connection event and none arrived for `quietMs`
   * (the bridge publishes disconnect events after the sockets close).
   */
  async settled(timeoutMs: number, quietMs = 500): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let seq = -1;
    let quietSince = Date.now();
    for (;;) {
      const { lastSeq, byConsumer } = await this.pending();
      if (lastSeq !== seq) {
        seq = lastSeq;
        quietSince = Date.now();
      }
      const busy = [...byConsumer].filter(([, n]) => n > 0);
      if (busy.length === 0 && Date.now() - quietSince >= quietMs) return epochMs();
      if (Date.now() > deadline)
        throw new Error(`connection events not handled after ${timeoutMs} ms: ${JSON.stringify(busy)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  start(startMs: number): void {
    this.startMs = startMs;
    this.backlog.clear();
    this.running = true;
    const poll = async () => {
      try {
        const { byConsumer } = await this.pending();
        const now = epochMs();
        for (const [name, n] of byConsumer) {
          const entry = this.backlog.get(name) ?? { max: 0, lastNonZeroMs: Number.NaN };
          entry.max = Math.max(entry.max, n);
          if (n > 0) entry.lastNonZeroMs = now;
          this.backlog.set(name, entry);
        }
      } catch (error) {
        process.stderr.write(`[bench:reconnect] consumer poll failed: ${String(error)}\n`);
      }
      if (this.running)
        this.timer = setTimeout(() => {
          this.polling = poll();
        }, this.intervalMs);
    };
    this.polling = poll();
  }

  async stop(): Promise<ConsumerBacklog[]> {
    this.running = false;
    clearTimeout(this.timer);
    await this.polling;
    return [...this.backlog].map(([consumer, b]) => ({
      consumer,
      maxBacklog: b.max,
      drainedAfterMs: b.lastNonZeroMs - this.startMs,
    }));
  }
}

/** When JetStream stored each device's connection events of a storm (epoch ms), and the bridge's own `at`. */
export interface StoredEvents {
  connected: Map<string, { storedMs: number; atMs: number }>;
  subscribed: Map<string, { storedMs: number; atMs: number }>;
}

/** The product's connection events stored since `fromMs` (the first of each kind per device). */
export async function storedConnectionEvents(
  bench: BenchPlatform,
  productKey: string,
  fromMs: number,
): Promise<StoredEvents> {
  const js = jetstream(bench.nats);
  const consumer = await js.consumers.get(bench.streamName(CONNECTION_STREAM), {
    // One subject as a string: nats-server before 2.10 knows no filter_subjects list.
    filter_subjects: `${bench.busNamespace}.connection.v1.*.${productKey}.*`,
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(Math.floor(fromMs)).toISOString(),
  });
  const events: StoredEvents = { connected: new Map(), subscribed: new Map() };
  const decoder = new TextDecoder();
  for (;;) {
    const batch = await consumer.fetch({ max_messages: 2000, expires: 2000 });
    let count = 0;
    let done = false;
    for await (const m of batch) {
      count++;
      const e = JSON.parse(decoder.decode(m.data)) as ConnectionEvent;
      const byDevice = e.type === 'connected' ? events.connected : e.type === 'subscribed' ? events.subscribed : null;
      if (byDevice && !byDevice.has(e.deviceName))
        byDevice.set(e.deviceName, { storedMs: Number(m.info.timestampNanos) / 1e6, atMs: e.at });
      if (m.info.pending === 0) done = true;
    }
    if (done || count === 0) break;
  }
  return events;
}

/**
 * Watches apps/tsl's publish requests to the bridge (`bridge.v1.downlink.publish`, a bus RPC on core NATS)
 * with a plain subscription beside the bridge's queue group: when each was sent (epoch ms), by MQTT topic.
 */
export class DownlinkTap {
  private readonly byTopic = new Map<string, number[]>();
  private readonly subscription;

  constructor(bench: BenchPlatform) {
    this.subscription = bench.nats.subscribe(`${bench.busNamespace}.${BridgeRpc.publish.subject}`, {
      callback: (error, msg) => {
        if (error) return;
        const at = epochMs();
        const { topic } = decode<DownlinkRequest>(msg.data);
        const times = this.byTopic.get(topic);
        if (times) times.push(at);
        else this.byTopic.set(topic, [at]);
      },
    });
  }

  /** Forgets what was seen (before a storm). */
  reset(): void {
    this.byTopic.clear();
  }

  /** The requests seen for a topic since the last reset, oldest first. */
  requests(topic: string): readonly number[] {
    return this.byTopic.get(topic) ?? [];
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}

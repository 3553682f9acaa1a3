import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { SHADOW_STREAM, UPLINK_STREAM, type ShadowChangedEvent, type UplinkMessage } from '@iot/contracts';
import type { BenchPlatform } from '../lib/bench-platform';
import { summarize, type LatencySummary } from '../lib/stats';
import type { UpdateSample } from './ipc';

/**
 * Where a platform round trip spends its time, from timestamps the run leaves anyway: the device's send
 * and reply times (the generator), and the times at which JetStream stored the update's uplink message
 * and the shadow-changed event the write produced (same machine, same wall clock).
 */
export interface HopBreakdown {
  /** Samples found in both streams. */
  matched: number;
  sampled: number;
  /** PUBLISH → uplink stored: MQTT into apps/bridge, Aedes, ACL, encoding, JetStream publish. */
  toStream: LatencySummary;
  /** Uplink stored → change event stored: delivery to apps/shadow, its queue, parse, Postgres, event publish. */
  shadow: LatencySummary;
  /** Change event stored → reply read by the device: PubAck, bus request to apps/bridge, broker, MQTT out. */
  reply: LatencySummary;
  total: LatencySummary;
}

const FETCH_BATCH = 2000;
const MARGIN_MS = 50;

/** Stored time (epoch ms) by update seq, for the messages of a stream stored in [fromMs, toMs]. */
async function storedTimes(
  bench: BenchPlatform,
  stream: string,
  fromMs: number,
  toMs: number,
  seqOf: (data: Uint8Array) => number | undefined,
  wanted: ReadonlySet<number>,
): Promise<Map<number, number>> {
  const js = jetstream(bench.nats);
  const consumer = await js.consumers.get(stream, {
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(fromMs).toISOString(),
  });
  const times = new Map<number, number>();
  for (;;) {
    const batch = await consumer.fetch({ max_messages: FETCH_BATCH, expires: 2000 });
    let count = 0;
    let done = false;
    for await (const m of batch) {
      count++;
      const at = Number(m.info.timestampNanos) / 1e6;
      if (at > toMs) done = true;
      const seq = seqOf(m.data);
      if (seq !== undefined && wanted.has(seq)) times.set(seq, at);
      if (m.info.pending === 0) done = true;
    }
    if (done || count === 0) break;
  }
  return times;
}

const decoder = new TextDecoder();

function uplinkSeq(data: Uint8Array): number | undefined {
  const uplink = JSON.parse(decoder.decode(data)) as UplinkMessage;
  const update = JSON.parse(Buffer.from(uplink.payload, 'base64').toString('utf8')) as { clientToken?: string };
  return update.clientToken === undefined ? undefined : Number(update.clientToken);
}

function changedSeq(data: Uint8Array): number | undefined {
  const event = JSON.parse(decoder.decode(data)) as ShadowChangedEvent;
  const seq = event.state.reported?.seq;
  return typeof seq === 'number' ? seq : undefined;
}

export async function hopBreakdown(bench: BenchPlatform, samples: readonly UpdateSample[]): Promise<HopBreakdown> {
  const wanted = new Set(samples.map((s) => s.seq));
  const fromMs = Math.min(...samples.map((s) => s.sentAtMs)) - MARGIN_MS;
  const toMs = Math.max(...samples.map((s) => s.repliedAtMs)) + MARGIN_MS;
  const uplinks = await storedTimes(bench, bench.streamName(UPLINK_STREAM), fromMs, toMs, uplinkSeq, wanted);
  const changes = await storedTimes(bench, bench.streamName(SHADOW_STREAM), fromMs, toMs, changedSeq, wanted);
  const hops = { toStream: [] as number[], shadow: [] as number[], reply: [] as number[], total: [] as number[] };
  for (const s of samples) {
    const uplinkAt = uplinks.get(s.seq);
    const changedAt = changes.get(s.seq);
    if (uplinkAt === undefined || changedAt === undefined) continue;
    hops.toStream.push(uplinkAt - s.sentAtMs);
    hops.shadow.push(changedAt - uplinkAt);
    hops.reply.push(s.repliedAtMs - changedAt);
    hops.total.push(s.repliedAtMs - s.sentAtMs);
  }
  return {
    matched: hops.total.length,
    sampled: samples.length,
    toStream: summarize(hops.toStream),
    shadow: summarize(hops.shadow),
    reply: summarize(hops.reply),
    total: summarize(hops.total),
  };
}

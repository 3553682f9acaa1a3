/**
 * Load generator of the shadow bench, in a process of its own so its CPU is accounted apart from the
 * bench and the servers. Holds the device connections (signed CONNECTs, one MQTT connection per device
 * and side, each subscribed to its `/shadow/get/{pk}/{dn}`), publishes shadow updates at QoS 1 as the
 * bench commands (ipc.ts) and times each one to its reply, correlated by clientToken.
 * argv[2]: this generator's index (keeps update sequence numbers unique across generators).
 */
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import { signedConnectOptions } from '@iot/testing';
import { closeAll, connectStorm } from '../connect/storm';
import { mapPool } from '../lib/pool';
import type { Command, ConnectResult, GeneratorEvent, Load, RunResult, Side, UpdateSample } from './ipc';

const index = Number(process.argv[2] ?? 0);
/** Sequence numbers of generator i start at i × 10¹²: unique in the run, still exact as JSON numbers. */
let nextSeq = index * 1e12 + 1;
/** Samples kept per run for the hop breakdown. */
const MAX_SAMPLES = 3000;
const OPEN_TICK_MS = 1;
const SWEEP_MS = 20;

const epochMs = (perfMs: number) => performance.timeOrigin + perfMs;

interface Pending {
  seq: number;
  /** Latency origin (perf ms): the scheduled send time in an open loop, the actual one otherwise. */
  origin: number;
  publishedAt: number;
  inWindow: boolean;
  run: Run;
}

interface Link {
  side: Side;
  client: MqttClient;
  updateTopic: string;
  pending: Map<string, Pending>;
  lastVersion: number;
}

interface Reply {
  method?: string;
  clientToken?: string;
  payload?: { status?: string; version?: number; content?: { errorcode?: string } };
}

const links = new Map<Side, Link[]>();
let current: Run | undefined;

function emit(event: GeneratorEvent): void {
  process.send!(event);
}

async function connect(command: Extract<Command, { type: 'connect' }>): Promise<ConnectResult> {
  const { devices } = command;
  const storm = await connectStorm({
    url: command.url,
    count: devices.length,
    concurrency: command.concurrency,
    connectTimeoutMs: command.timeoutMs,
    connectOptions: (i) => signedConnectOptions(devices[i], { signMethod: 'hmacsha256', keepalive: 120 }),
  });
  const failures: Record<string, number> = { ...storm.failureCauses };
  const connected: Link[] = [];
  await mapPool(storm.clients, command.concurrency, async (client) => {
    // connectStorm returns clients in CONNACK order: the username (`dn&pk`) says whose each is.
    const [deviceName, productKey] = String(client.options.username).split('&');
    noDelay(client);
    const granted = await client.subscribeAsync(`/shadow/get/${productKey}/${deviceName}`, { qos: 1 }).then(
      (g) => g[0]?.qos,
      () => 128,
    );
    if (granted === 128) {
      failures['SUBACK 0x80'] = (failures['SUBACK 0x80'] ?? 0) + 1;
      await client.endAsync();
      return;
    }
    const link: Link = {
      side: command.side,
      client,
      updateTopic: `/shadow/update/${productKey}/${deviceName}`,
      pending: new Map(),
      lastVersion: Number.NEGATIVE_INFINITY,
    };
    client.on('message', (_topic, payload) => onMessage(link, payload));
    client.on('close', () => current?.onClose());
    connected.push(link);
  });
  links.set(command.side, [...(links.get(command.side) ?? []), ...connected]);
  return { connected: connected.length, failures };
}

/**
 * Nagle off, as on every socket of the platform (bridge, NATS, pg): with it, a PUBLISH right after a PUBACK
 * can wait for the peer's delayed ACK (up to 40 ms), which would be the generator's latency, not the server's.
 */
function noDelay(client: MqttClient): void {
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
}

function onMessage(link: Link, payload: Buffer): void {
  const now = performance.now();
  let reply: Reply;
  // A reply nobody awaits (late after a timeout, duplicated) counts against the run of its side only.
  const stray = current?.side === link.side ? current : undefined;
  try {
    reply = JSON.parse(payload.toString()) as Reply;
  } catch {
    if (stray) stray.result.unexpected++;
    return;
  }
  if (reply.method !== 'reply') return; // a `control` (desired changed): none expected here
  const pending = reply.clientToken === undefined ? undefined : link.pending.get(reply.clientToken);
  if (!pending) {
    if (stray) stray.result.unexpected++;
    return;
  }
  link.pending.delete(reply.clientToken!);
  pending.run.onReply(link, pending, reply, now);
}

/** One command's worth of load on one side. */
class Run {
  readonly result: RunResult = {
    windowMs: 0,
    windowStartMs: 0,
    windowEndMs: 0,
    scheduled: 0,
    sent: 0,
    shed: 0,
    received: 0,
    completed: 0,
    repliesUntilDrained: 0,
    errors: {},
    timeouts: 0,
    unexpected: 0,
    versionAnomalies: 0,
    disconnects: 0,
    peakInflight: 0,
    latenciesMs: new Float64Array(0),
    sendLagMs: new Float64Array(0),
    drainMs: 0,
    samples: [],
  };
  private readonly latencies: number[] = [];
  private readonly lags: number[] = [];
  private readonly samples: UpdateSample[] = [];
  private inflight = 0;
  private start = 0;
  private windowStart = 0;
  private end = 0;
  private sending = true;
  private drained = false;
  private cursor = 0;
  /** Open loop: updates the schedule has made due so far, warm-up included. */
  private position = 0;
  private closing = false;

  constructor(
    private readonly id: number,
    readonly side: Side,
    private readonly links: readonly Link[],
    private readonly load: Load,
    private readonly warmupMs: number,
    private readonly durationMs: number,
    private readonly timeoutMs: number,
  ) {}

  run(): Promise<RunResult> {
    this.start = performance.now();
    const prime = this.load.mode === 'prime';
    this.windowStart = this.start + (prime ? 0 : this.warmupMs);
    this.end = this.windowStart + (prime ? 0 : this.durationMs);
    return new Promise((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      const finish = () => {
        timers.forEach((t) => clearInterval(t));
        resolve(this.finish());
      };
      if (!prime) {
        timers.push(setTimeout(() => emit({ type: 'measuring', id: this.id }), Math.max(0, this.warmupMs)));
      }
      timers.push(
        setInterval(() => {
          this.sweep();
          if (!this.sending && this.inflight === 0) finish();
        }, SWEEP_MS),
      );
      const stopSending = () => {
        this.sending = false;
        this.result.windowEndMs = epochMs(Math.min(performance.now(), this.end));
        if (!prime) emit({ type: 'sent', id: this.id });
      };
      const load = this.load;
      if (load.mode === 'open') {
        const tick = setInterval(() => {
          const now = performance.now();
          this.openTick(load.rate, load.maxInflight, now);
          if (now >= this.end) {
            clearInterval(tick);
            stopSending();
          }
        }, OPEN_TICK_MS);
        timers.push(tick);
      } else {
        const perDevice = load.mode === 'closed' ? load.inflight : 1;
        const now = performance.now();
        for (const link of this.links) for (let i = 0; i < perDevice; i++) this.send(link, now, now);
        if (prime) stopSending();
        else timers.push(setTimeout(stopSending, this.end - now));
      }
    });
  }

  /** Sends every update the schedule has made due by `now`. */
  private openTick(rate: number, maxInflight: number, now: number): void {
    const due = Math.floor(((Math.min(now, this.end) - this.start) * rate) / 1000);
    while (this.position < due) {
      const scheduledAt = this.start + (this.position++ * 1000) / rate;
      const inWindow = scheduledAt >= this.windowStart;
      if (inWindow) this.result.scheduled++;
      const link = this.freeLink(maxInflight);
      if (!link) {
        if (inWindow) this.result.shed++;
        continue;
      }
      if (inWindow) this.lags.push(now - scheduledAt);
      this.send(link, scheduledAt, now);
    }
  }

  /** The next device, round-robin, with fewer than `max` updates awaiting their reply. */
  private freeLink(max: number): Link | undefined {
    for (let tried = 0; tried < this.links.length; tried++) {
      const link = this.links[this.cursor];
      this.cursor = (this.cursor + 1) % this.links.length;
      if (link.pending.size < max) return link;
    }
    return undefined;
  }

  private send(link: Link, origin: number, now: number): void {
    const seq = nextSeq++;
    const token = String(seq);
    const inWindow = this.load.mode === 'prime' || (origin >= this.windowStart && origin < this.end);
    const temperature = (20 + (seq % 100) / 10).toFixed(1);
    const payload = `{"method":"update","state":{"reported":{"seq":${seq},"temperature":${temperature}}},"clientToken":"${token}"}`;
    link.pending.set(token, { seq, origin, publishedAt: now, inWindow, run: this });
    this.inflight++;
    if (this.inflight > this.result.peakInflight) this.result.peakInflight = this.inflight;
    if (inWindow) this.result.sent++;
    link.client.publish(link.updateTopic, payload, { qos: 1 }, (error) => {
      if (!error || !link.pending.delete(token)) return;
      this.settle(inWindow ? `publish: ${error.message}` : undefined);
    });
  }

  onReply(link: Link, pending: Pending, reply: Reply, now: number): void {
    this.inflight--;
    if (now >= this.windowStart && now < this.end) this.result.received++;
    if (now >= this.windowStart && !this.drained) this.result.repliesUntilDrained++;
    const status = reply.payload?.status;
    const version = reply.payload?.version;
    if (status === 'success' && typeof version === 'number') {
      if (version <= link.lastVersion) this.result.versionAnomalies++;
      link.lastVersion = version;
    }
    if (pending.inWindow) {
      if (status === 'success') {
        this.result.completed++;
        this.latencies.push(now - pending.origin);
        this.samples.push({ seq: pending.seq, sentAtMs: epochMs(pending.publishedAt), repliedAtMs: epochMs(now) });
      } else {
        const code = `reply ${reply.payload?.content?.errorcode ?? status ?? '?'}`;
        this.result.errors[code] = (this.result.errors[code] ?? 0) + 1;
      }
    }
    this.resend(link, now);
  }

  onClose(): void {
    if (!this.closing) this.result.disconnects++;
  }

  /** Closed loop: the device's next update as soon as one is answered (or given up on). */
  private resend(link: Link, now: number): void {
    if (this.load.mode === 'closed' && this.sending && now < this.end) this.send(link, now, now);
  }

  /** An update that will get no reply (failed PUBLISH): counted, and its slot freed. */
  private settle(error: string | undefined): void {
    this.inflight--;
    if (error) this.result.errors[error] = (this.result.errors[error] ?? 0) + 1;
  }

  /** Gives up on updates older than the timeout. */
  private sweep(): void {
    const now = performance.now();
    for (const link of this.links) {
      for (const [token, p] of link.pending) {
        if (p.run !== this || now - p.publishedAt <= this.timeoutMs) continue;
        link.pending.delete(token);
        this.inflight--;
        if (p.inWindow) this.result.timeouts++;
        this.resend(link, now);
      }
    }
  }

  private finish(): RunResult {
    this.drained = true;
    const now = performance.now();
    const result = this.result;
    result.windowStartMs = epochMs(this.windowStart);
    result.windowMs = Math.min(this.end, now) - this.windowStart;
    result.drainMs = now - this.end;
    result.latenciesMs = Float64Array.from(this.latencies);
    result.sendLagMs = Float64Array.from(this.lags);
    const stride = Math.max(1, Math.ceil(this.samples.length / MAX_SAMPLES));
    result.samples = this.samples.filter((_, i) => i % stride === 0);
    this.closing = true;
    return result;
  }
}

async function handle(command: Command): Promise<void> {
  switch (command.type) {
    case 'connect':
      emit({ type: 'connected', id: command.id, result: await connect(command) });
      return;
    case 'run': {
      const own = links.get(command.side) ?? [];
      if (own.length === 0) throw new Error(`no ${command.side} connections`);
      const run = new Run(
        command.id,
        command.side,
        own,
        command.load,
        command.warmupMs,
        command.durationMs,
        command.timeoutMs,
      );
      current = run;
      const result = await run.run();
      emit({ type: 'done', id: command.id, result });
      return;
    }
    case 'close': {
      const own = links.get(command.side) ?? [];
      links.delete(command.side);
      current = undefined;
      await closeAll(own.map((l) => l.client));
      emit({ type: 'closed', id: command.id });
      return;
    }
  }
}

if (!process.send) throw new Error('load-generator runs as a child process (fork) of the shadow bench');
process.on('message', (command: Command) => {
  handle(command).catch((error: unknown) =>
    emit({ type: 'failed', id: command.id, message: error instanceof Error ? error.message : String(error) }),
  );
});
process.once('disconnect', () => process.exit(0));
emit({ type: 'ready' });

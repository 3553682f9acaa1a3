import { performance } from 'node:perf_hooks';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { mapPool } from '../lib/pool';

/** Epoch ms with sub-ms precision: comparable with JetStream's and Postgres's timestamps on the same machine. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/** One device of a storm: how it connects and what it waits for. */
export interface StormDevice {
  /** CONNECT options, signed before the storm starts (so signing is not timed). */
  connect: IClientOptions;
  /** The command topic: subscribed right after CONNACK when `subscribe`, else expected from the session. */
  topic: string;
  subscribe: boolean;
  /** Whether a message on the topic is this device's queued command. */
  matches(payload: Buffer): boolean;
}

/** What happened to one device, in epoch ms. */
export interface DeviceOutcome {
  startMs: number;
  connackMs?: number;
  subackMs?: number;
  /** The queued command's arrival. */
  messageMs?: number;
  /** Further copies of the command, and messages that were not it. */
  duplicates: number;
  unexpected: number;
  /** Why it never connected, or why it was dropped after CONNACK. */
  failure?: string;
}

export interface StormResult {
  startMs: number;
  /** Every device delivered, or the deadline. */
  endMs: number;
  /** The last command's arrival; undefined when some never arrived. */
  allDeliveredMs?: number;
  outcomes: DeviceOutcome[];
  /** Every connection that got its CONNACK, still open. */
  clients: MqttClient[];
}

export interface StormOptions {
  url: string;
  devices: readonly StormDevice[];
  /** CONNECTs awaiting their CONNACK at once (0: all at once). */
  concurrency: number;
  connectTimeoutMs: number;
  /** From the storm's start: devices still waiting then count as missing. */
  deadlineMs: number;
  /** Called at the storm's start (after every option is ready), to snapshot CPU and such. */
  onStart?: () => void;
}

/**
 * Every device connects (at most `concurrency` CONNECTs in flight), subscribes to its command topic right
 * after CONNACK if told to, and waits for its queued command. Resolves once every device has its command
 * or failed, or at the deadline; connections stay open.
 */
export async function reconnectStorm(options: StormOptions): Promise<StormResult> {
  const { devices } = options;
  const outcomes: DeviceOutcome[] = devices.map(() => ({ startMs: Number.NaN, duplicates: 0, unexpected: 0 }));
  const clients: MqttClient[] = [];
  let open = devices.length;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const settle = () => {
    if (--open === 0) finish();
  };
  options.onStart?.();
  const startMs = epochMs();
  const deadline = setTimeout(finish, options.deadlineMs);
  const concurrency = options.concurrency > 0 ? options.concurrency : devices.length;
  const connects = mapPool(devices, concurrency, (device, index) =>
    connectOne(options.url, device, outcomes[index], options.connectTimeoutMs, settle).then((client) => {
      if (client) clients.push(client);
    }),
  );
  await finished;
  clearTimeout(deadline);
  const endMs = epochMs();
  // At the deadline some CONNECTs may still be in flight: wait for their outcome so every socket is known.
  await connects;
  const delivered = outcomes.every((o) => o.messageMs !== undefined);
  return {
    startMs,
    endMs,
    allDeliveredMs: delivered ? Math.max(...outcomes.map((o) => o.messageMs!)) : undefined,
    outcomes,
    clients,
  };
}

/** Resolves at CONNACK (with the client) or failure (undefined); `settle` is called once the device is done. */
function connectOne(
  url: string,
  device: StormDevice,
  outcome: DeviceOutcome,
  timeoutMs: number,
  settle: () => void,
): Promise<MqttClient | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const complete = (failure?: string) => {
      if (done) return;
      done = true;
      if (failure) outcome.failure = failure;
      settle();
    };
    outcome.startMs = epochMs();
    const client = mqtt.connect(url, {
      ...device.connect,
      reconnectPeriod: 0,
      resubscribe: false,
      connectTimeout: timeoutMs,
    });
    // Attached before CONNECT: a persistent session's queued messages arrive right behind the CONNACK.
    client.on('message', (topic, payload) => {
      const at = epochMs();
      if (topic !== device.topic || !device.matches(payload)) outcome.unexpected++;
      else if (outcome.messageMs !== undefined) outcome.duplicates++;
      else {
        outcome.messageMs = at;
        complete();
      }
    });
    client.once('connect', () => {
      outcome.connackMs = epochMs();
      resolve(client);
      if (!device.subscribe) return;
      client.subscribe(device.topic, { qos: 1 }, (error, granted) => {
        outcome.subackMs = epochMs();
        if (error || granted?.[0]?.qos === 128) complete(`SUBSCRIBE refused${error ? `: ${error.message}` : ''}`);
      });
    });
    client.on('close', () => {
      if (outcome.connackMs === undefined) {
        resolve(undefined);
        complete(epochMs() - outcome.startMs >= timeoutMs ? 'no CONNACK in time' : 'closed before CONNACK');
      } else if (outcome.messageMs === undefined) complete('closed before the command arrived');
    });
    // Stays attached: an error after CONNACK must not throw.
    client.on('error', (error: Error & { code?: string | number }) => {
      if (outcome.connackMs !== undefined) return;
      client.end(true);
      resolve(undefined);
      complete(typeof error.code === 'number' ? `CONNACK ${error.code}` : (error.code ?? error.message));
    });
  });
}

/**
 * Connects every device once (optionally subscribing at QoS 1), then disconnects it: to make devices known,
 * to store persistent sessions, or to end them (`clean: true` with the session's clientId). Not measured.
 */
export async function cycleSessions(
  url: string,
  sessions: readonly { connect: () => IClientOptions; subscribe?: string }[],
  concurrency: number,
  timeoutMs: number,
): Promise<void> {
  await mapPool(sessions, concurrency, async (session) => {
    const client = await mqtt.connectAsync(url, {
      ...session.connect(),
      reconnectPeriod: 0,
      resubscribe: false,
      connectTimeout: timeoutMs,
    });
    try {
      if (session.subscribe) {
        const granted = await client.subscribeAsync(session.subscribe, { qos: 1 });
        if (granted[0]?.qos !== 1) throw new Error(`SUBSCRIBE ${session.subscribe} not granted at QoS 1`);
      }
    } finally {
      await client.endAsync();
    }
  });
}

/** Publishes one QoS 1 message per topic through one client, `inflight` awaiting their PUBACK at once. */
export async function publishAll(
  url: string,
  messages: readonly { topic: string; payload: string }[],
  inflight: number,
): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `bench-publisher-${process.pid}`, reconnectPeriod: 0 });
  try {
    await mapPool(messages, inflight, (m) => client.publishAsync(m.topic, m.payload, { qos: 1 }));
  } finally {
    await client.endAsync();
  }
}

/** Closes every connection (DISCONNECT, then the socket). */
export async function closeAll(clients: readonly MqttClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.endAsync()));
}

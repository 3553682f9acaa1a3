import { performance } from 'node:perf_hooks';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export interface StormOptions {
  url: string;
  /** How many connections to open. */
  count: number;
  /** CONNECTs in flight at once. */
  concurrency: number;
  /** CONNECT options of the i-th connection (built just before it opens, so signatures are fresh). */
  connectOptions: (index: number) => IClientOptions;
  /** A connection without CONNACK by then counts as failed. */
  connectTimeoutMs: number;
}

export interface StormResult {
  /** From the first mqtt.connect to the last outcome. */
  wallMs: number;
  /** mqtt.connect → `connect` event, of every accepted connection. */
  latenciesMs: number[];
  failures: number;
  /** Failures by cause: CONNACK return code, socket error code, timeout. */
  failureCauses: Record<string, number>;
  /** The accepted connections, all still open. */
  clients: MqttClient[];
}

type Outcome = { ok: true; client: MqttClient; latencyMs: number } | { ok: false; cause: string };

/**
 * Opens `count` MQTT connections with at most `concurrency` CONNECTs in flight, timing each one, and
 * leaves the accepted ones open: a device storm holds its connections, it does not connect and leave.
 */
export async function connectStorm(options: StormOptions): Promise<StormResult> {
  const latenciesMs: number[] = [];
  const clients: MqttClient[] = [];
  const failureCauses: Record<string, number> = {};
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < options.count) {
      const outcome = await connectOnce(options.url, options.connectOptions(next++), options.connectTimeoutMs);
      if (outcome.ok) {
        latenciesMs.push(outcome.latencyMs);
        clients.push(outcome.client);
      } else {
        failureCauses[outcome.cause] = (failureCauses[outcome.cause] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker));
  const wallMs = performance.now() - start;
  return { wallMs, latenciesMs, failures: options.count - latenciesMs.length, failureCauses, clients };
}

function connectOnce(url: string, options: IClientOptions, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const client = mqtt.connect(url, {
      ...options,
      reconnectPeriod: 0,
      keepalive: 60,
      clean: true,
      connectTimeout: timeoutMs,
    });
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      client.removeListener('connect', onConnect);
      client.removeListener('close', onClose);
      if (!outcome.ok) client.end(true);
      resolve(outcome);
    };
    const onConnect = () => settle({ ok: true, client, latencyMs: performance.now() - started });
    const onClose = () =>
      settle({
        ok: false,
        cause: performance.now() - started >= timeoutMs ? 'no CONNACK in time' : 'closed before CONNACK',
      });
    client.once('connect', onConnect);
    client.once('close', onClose);
    // Stays attached: an error after CONNACK (the broker closing the connection) must not throw.
    client.on('error', (error: Error & { code?: string | number }) => {
      if (settled) return;
      settle({
        ok: false,
        cause: typeof error.code === 'number' ? `CONNACK ${error.code}` : (error.code ?? error.message),
      });
    });
  });
}

/** Closes every connection (DISCONNECT, then the socket) and resolves once all are closed. */
export async function closeAll(clients: readonly MqttClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.endAsync()));
}

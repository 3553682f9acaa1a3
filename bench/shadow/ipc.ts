/** Messages between the shadow bench and its load generator processes (IPC, advanced serialization). */
import type { DeviceIdentity } from '@iot/testing';

/** Which broker a device connection goes to: the bare broker with the echo, or the platform's. */
export type Side = 'echo' | 'platform';

/**
 * How updates are offered:
 * - `open`: `rate` updates/s in all (this generator's share), on a fixed schedule whatever the replies,
 *   round-robin over the devices with fewer than `maxInflight` updates awaiting their reply;
 * - `closed`: every device keeps `inflight` updates awaiting their reply, sending the next on each reply;
 * - `prime`: every device sends one update and waits for its reply (unmeasured: creates the shadows).
 */
export type Load =
  { mode: 'open'; rate: number; maxInflight: number } | { mode: 'closed'; inflight: number } | { mode: 'prime' };

export type Command =
  | {
      type: 'connect';
      id: number;
      side: Side;
      url: string;
      devices: DeviceIdentity[];
      concurrency: number;
      timeoutMs: number;
    }
  | { type: 'run'; id: number; side: Side; load: Load; warmupMs: number; durationMs: number; timeoutMs: number }
  | { type: 'close'; id: number; side: Side };

export interface ConnectResult {
  connected: number;
  failures: Record<string, number>;
}

/** One update of the measured window, for the platform's per-hop latency breakdown. */
export interface UpdateSample {
  /** The `seq` in the update's reported state (unique in the run) and its clientToken. */
  seq: number;
  /** Epoch ms (sub-ms precision) at which the PUBLISH was handed to the socket, and at which the reply was read. */
  sentAtMs: number;
  repliedAtMs: number;
}

/** One generator's view of a run. Counters are about the measured window unless said otherwise. */
export interface RunResult {
  /** Measured window: from the end of the warm-up to the end of sending, ms. */
  windowMs: number;
  /** Epoch ms of the window's start and end. */
  windowStartMs: number;
  windowEndMs: number;
  /** Open loop: updates due by the schedule in the window. */
  scheduled: number;
  /** Updates published in the window. */
  sent: number;
  /** Open loop: updates due but not sent, every device having `maxInflight` awaiting replies. */
  shed: number;
  /** Replies received in the window, whenever their update was sent: the achieved rate. */
  received: number;
  /** Updates sent in the window that got a success reply. */
  completed: number;
  /** Replies received from the window's start until every update was answered or timed out (CPU accounting). */
  repliesUntilDrained: number;
  /** Updates sent in the window answered with an error, by error code (or `publish: …` for a failed PUBLISH). */
  errors: Record<string, number>;
  /** Updates sent in the window without a reply within the timeout. */
  timeouts: number;
  /** Replies matching no update awaiting one (late after a timeout, or duplicated). */
  unexpected: number;
  /** Replies whose version did not rise above the device's previous reply's. */
  versionAnomalies: number;
  /** Device connections closed during the run. */
  disconnects: number;
  /** Most updates awaiting their reply at once. */
  peakInflight: number;
  /** Update → reply latency of `completed` updates, ms. Open loop: from the scheduled send time. */
  latenciesMs: Float64Array;
  /** Open loop: how late the generator published, behind the schedule, ms (its own lag, included in the latencies). */
  sendLagMs: Float64Array;
  /** From the end of sending until every update was answered or timed out, ms. */
  drainMs: number;
  /** Up to a few thousand completed updates of the window, evenly spread. */
  samples: UpdateSample[];
}

export type GeneratorEvent =
  | { type: 'ready' }
  | { type: 'connected'; id: number; result: ConnectResult }
  | { type: 'measuring'; id: number }
  | { type: 'sent'; id: number }
  | { type: 'done'; id: number; result: RunResult }
  | { type: 'closed'; id: number }
  | { type: 'failed'; id: number; message: string };

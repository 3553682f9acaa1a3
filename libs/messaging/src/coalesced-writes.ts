import type { NatsConnection } from '@nats-io/transport-node';

/** The part of nats.js's protocol handler (not public API) that batches outgoing commands. */
interface ProtocolInternals {
  outbound?: { length(): number; size(): number; fill(data: Uint8Array, ...payloads: Uint8Array[]): void };
  pendingLimit?: number;
  sendCommand?: (cmd: string | Uint8Array, ...payloads: Uint8Array[]) => void;
  flushPending?: () => void;
}

const encoder = new TextEncoder();

/**
 * nats.js writes its buffered commands to the socket at the end of the microtask queue that produced them,
 * so a process serving many sockets (the bridge in a connect storm) makes one `write` per MQTT packet it
 * handles, and those syscalls were its largest cost. This moves the flush to the end of the event-loop
 * turn (`setImmediate`): everything a turn produced goes out in one write. The buffer is still flushed at
 * once past nats.js's own size limit. Returns false, changing nothing, if the internals are not as expected.
 */
export function coalesceWrites(connection: NatsConnection): boolean {
  const protocol = (connection as unknown as { protocol?: ProtocolInternals }).protocol;
  const outbound = protocol?.outbound;
  const flushPending = protocol?.flushPending;
  if (!protocol || !outbound || typeof flushPending !== 'function' || typeof protocol.sendCommand !== 'function')
    return false;
  if (typeof protocol.pendingLimit !== 'number') return false;
  const flush = () => flushPending.call(protocol);
  protocol.sendCommand = (cmd, ...payloads) => {
    const empty = outbound.length() === 0;
    outbound.fill(typeof cmd === 'string' ? encoder.encode(cmd) : cmd, ...payloads);
    if (empty) setImmediate(flush);
    else if (outbound.size() >= (protocol.pendingLimit ?? 0)) flush();
  };
  return true;
}

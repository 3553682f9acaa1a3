import { describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { coalesceWrites } from './coalesced-writes';

/** The shape of nats.js's protocol handler that the patch relies on, recording what it writes. */
function fakeConnection(pendingLimit = 1_000) {
  const writes: string[] = [];
  let buffered: Uint8Array[] = [];
  const size = () => buffered.reduce((n, b) => n + b.length, 0);
  const protocol = {
    pendingLimit,
    outbound: {
      length: () => buffered.length,
      size,
      fill: (data: Uint8Array, ...payloads: Uint8Array[]) => buffered.push(data, ...payloads),
    },
    sendCommand: (() => undefined) as (cmd: string | Uint8Array) => void,
    flushPending: () => {
      if (size() === 0) return;
      writes.push(buffered.map((b) => new TextDecoder().decode(b)).join(''));
      buffered = [];
    },
  };
  return { connection: { protocol } as unknown as NatsConnection, protocol, writes };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('coalesceWrites', () => {
  it('writes what one event-loop turn sent, across microtasks, in one write', async () => {
    const { connection, protocol, writes } = fakeConnection();
    expect(coalesceWrites(connection)).toBe(true);

    protocol.sendCommand('PUB a 1\r\n');
    await Promise.resolve();
    protocol.sendCommand('PUB b 1\r\n');
    await Promise.resolve();
    expect(writes).toEqual([]);
    await turn();
    expect(writes).toEqual(['PUB a 1\r\nPUB b 1\r\n']);

    protocol.sendCommand(new TextEncoder().encode('PING\r\n'));
    await turn();
    expect(writes).toEqual(['PUB a 1\r\nPUB b 1\r\n', 'PING\r\n']);
  });

  it('still writes at once past the pending limit', () => {
    const { connection, protocol, writes } = fakeConnection(10);
    coalesceWrites(connection);
    protocol.sendCommand('12345');
    protocol.sendCommand('67890');
    expect(writes).toEqual(['1234567890']);
  });

  it('changes nothing when the client has no such internals', () => {
    expect(coalesceWrites({} as NatsConnection)).toBe(false);
    const { connection, protocol } = fakeConnection();
    const before = protocol.sendCommand;
    delete (protocol as { pendingLimit?: number }).pendingLimit;
    expect(coalesceWrites(connection)).toBe(false);
    expect(protocol.sendCommand).toBe(before);
  });
});

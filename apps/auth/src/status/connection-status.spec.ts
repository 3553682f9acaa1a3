import { describe, expect, it } from 'vitest';
import { onConnected, onDisconnected, type RecordedConnection } from './connection-status';

const online = (clientId: string, connectedAt: number): RecordedConnection => ({
  status: 'online',
  clientId,
  connectedAt,
});
const offline = (clientId: string, connectedAt: number): RecordedConnection => ({
  status: 'offline',
  clientId,
  connectedAt,
});
const never: RecordedConnection = { status: 'inactive', clientId: null, connectedAt: null };

describe('onConnected', () => {
  it.each([
    ['first connection ever', never, { clientId: 'a', connectedAt: 100 }, { apply: true }],
    ['reconnect after offline', offline('a', 100), { clientId: 'a', connectedAt: 200 }, { apply: true }],
    [
      'same client id reconnects (the broker took the session over)',
      online('a', 100),
      { clientId: 'a', connectedAt: 200 },
      { apply: true },
    ],
    [
      'another client with the same credentials: the old one is kicked',
      online('a', 100),
      { clientId: 'b', connectedAt: 200 },
      { apply: true, kickClientId: 'a' },
    ],
    [
      'redelivered connect of the recorded connection',
      online('a', 100),
      { clientId: 'a', connectedAt: 100 },
      { apply: true },
    ],
    ['late connect of an older connection', online('b', 200), { clientId: 'a', connectedAt: 100 }, { apply: false }],
    [
      'late connect of an older connection while offline',
      offline('b', 200),
      { clientId: 'a', connectedAt: 100 },
      { apply: false },
    ],
    [
      'connect arriving after its own disconnect',
      offline('a', 100),
      { clientId: 'a', connectedAt: 100 },
      { apply: false },
    ],
  ])('%s', (_, recorded, event, expected) => {
    expect(onConnected(recorded, event)).toEqual(expected);
  });
});

describe('onDisconnected', () => {
  it.each([
    ['disconnect of the recorded connection', online('a', 100), { clientId: 'a', connectedAt: 100 }, true],
    [
      'late disconnect of a replaced connection (other client)',
      online('b', 200),
      { clientId: 'a', connectedAt: 100 },
      false,
    ],
    [
      'late disconnect of a replaced connection (same client id)',
      online('a', 200),
      { clientId: 'a', connectedAt: 100 },
      false,
    ],
    [
      'disconnect arriving before its connect (newer connection)',
      online('a', 100),
      { clientId: 'b', connectedAt: 200 },
      true,
    ],
    ['disconnect before the very first connect', never, { clientId: 'a', connectedAt: 100 }, true],
    ['same millisecond, other client', online('a', 100), { clientId: 'b', connectedAt: 100 }, false],
    ['duplicate disconnect', offline('a', 100), { clientId: 'a', connectedAt: 100 }, false],
  ])('%s', (_, recorded, event, expected) => {
    expect(onDisconnected(recorded, event)).toBe(expected);
  });
});

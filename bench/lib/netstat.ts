import { readFileSync } from 'node:fs';

/**
 * The kernel's TCP counters that show a connect storm outrunning a listener (machine-wide, from
 * /proc/net/netstat): a full accept queue (the listen backlog, 511 by default in Node, capped by
 * net.core.somaxconn) drops the handshake, and the client retries its SYN after 1 s, then 3 s...
 */
export interface TcpCounters {
  /** Handshakes completed while the accept queue was full. */
  listenOverflows: number;
  /** Handshakes dropped by a listener, overflows included. */
  listenDrops: number;
  /** SYNs sent again (by any client on the machine). */
  synRetransmits: number;
}

const NAMES: Record<keyof TcpCounters, string> = {
  listenOverflows: 'ListenOverflows',
  listenDrops: 'ListenDrops',
  synRetransmits: 'TCPSynRetrans',
};

/** The counters now; NaN where /proc/net/netstat (Linux) is missing. */
export function tcpCounters(): TcpCounters {
  let text = '';
  try {
    text = readFileSync('/proc/net/netstat', 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const [keys = [], values = []] = text
    .split('\n')
    .filter((line) => line.startsWith('TcpExt:'))
    .map((line) => line.trim().split(/\s+/));
  const read = (name: string) => {
    const i = keys.indexOf(name);
    return i > 0 ? Number(values[i]) : Number.NaN;
  };
  return {
    listenOverflows: read(NAMES.listenOverflows),
    listenDrops: read(NAMES.listenDrops),
    synRetransmits: read(NAMES.synRetransmits),
  };
}

/** after − before, counter by counter. */
export function tcpCountersDelta(before: TcpCounters, after: TcpCounters): TcpCounters {
  return {
    listenOverflows: after.listenOverflows - before.listenOverflows,
    listenDrops: after.listenDrops - before.listenDrops,
    synRetransmits: after.synRetransmits - before.synRetransmits,
  };
}

import type { ConnectionEvent } from '@iot/contracts';

/** The connection a device's status currently belongs to. */
export interface RecordedConnection {
  status: 'inactive' | 'online' | 'offline';
  clientId: string | null;
  connectedAt: number | null;
}

type ConnectionRef = Pick<ConnectionEvent, 'clientId' | 'connectedAt'>;

const sameConnection = (r: RecordedConnection, e: ConnectionRef) =>
  r.connectedAt === e.connectedAt && r.clientId === e.clientId;

/**
 * What a connect event means for a device: whether it is newer than the connection on record, and whether
 * an older, still-open connection with the same credentials must be closed (the newer connection wins,
 * protocol.md §1.9). Events may arrive late, twice or out of order (EMQX webhooks, JetStream redelivery),
 * so the decision rests on each connection's own `connectedAt`, never on arrival order.
 */
export function onConnected(
  recorded: RecordedConnection,
  event: ConnectionRef,
): { apply: boolean; kickClientId?: string } {
  if (recorded.connectedAt !== null && event.connectedAt < recorded.connectedAt) return { apply: false };
  // Its disconnect was already seen (it arrived first): that connection is over.
  if (recorded.status === 'offline' && sameConnection(recorded, event)) return { apply: false };
  const replaced =
    recorded.status === 'online' &&
    recorded.clientId !== null &&
    !sameConnection(recorded, event) &&
    recorded.clientId !== event.clientId;
  return replaced ? { apply: true, kickClientId: recorded.clientId as string } : { apply: true };
}

/**
 * A disconnect counts for the connection on record, or for a newer one whose connect has not arrived yet
 * (then it is recorded, so that late connect is ignored); a late one from a replaced connection does not.
 */
export function onDisconnected(recorded: RecordedConnection, event: ConnectionRef): boolean {
  if (recorded.connectedAt === null || event.connectedAt > recorded.connectedAt) return true;
  return recorded.status === 'online' && sameConnection(recorded, event);
}

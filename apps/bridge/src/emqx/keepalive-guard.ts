import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConnectionEvent } from '@iot/contracts';
import { isKeepaliveAllowed } from '@iot/protocol';
import { EmqxRestClient } from './emqx-rest.client';

/** How long the disconnect of a refused connection is recognised: EMQX retries a webhook this long (request_ttl). */
const REMEMBER_MS = 5 * 60_000;
/** Bounds the memory a flood of refused connections can take. */
const MAX_REMEMBERED = 10_000;

/**
 * protocol.md §1.3 refuses a CONNECT whose keepalive is outside 30–1200 s (0 included) with CONNACK 2.
 * EMQX cannot: its authn request carries no keepalive and it only refuses with CONNACK 5. The closest
 * behaviour is to close such a connection as soon as its `client.connected` event arrives (the keepalive
 * is in it), before the platform counts it: the kick goes through the REST API, the connect is not
 * stored, nor is the `kicked` disconnect that follows (when it reaches this bridge), so the device never
 * shows as online and an older connection with the same credentials is not replaced.
 */
@Injectable()
export class KeepaliveGuard {
  private readonly logger = new Logger(KeepaliveGuard.name);
  /** `clientId@connectedAt` of refused connections → when they were refused. */
  private readonly refused = new Map<string, number>();

  constructor(@Inject(EmqxRestClient) private readonly rest: EmqxRestClient) {}

  /**
   * True when the connection was refused (and kicked). A connect event without keepalive is let through.
   * Throws when the kick fails, so the webhook answers 503 and EMQX sends the event again.
   */
  async refuse(event: ConnectionEvent): Promise<boolean> {
    if (event.keepalive === undefined || isKeepaliveAllowed(event.keepalive)) return false;
    await this.rest.kick(event.clientId);
    this.logger.warn(
      `kicked ${event.productKey}/${event.deviceName} (client ${event.clientId}): keepalive ${event.keepalive}s outside 30–1200`,
    );
    this.remember(key(event), Date.now());
    return true;
  }

  /** Whether a disconnect belongs to a connection this bridge refused (then it is not stored). */
  wasRefused(event: ConnectionEvent): boolean {
    const at = this.refused.get(key(event));
    return at !== undefined && Date.now() - at < REMEMBER_MS;
  }

  private remember(id: string, now: number): void {
    for (const [old, at] of this.refused) {
      if (now - at < REMEMBER_MS && this.refused.size < MAX_REMEMBERED) break;
      this.refused.delete(old); // insertion order is age order
    }
    this.refused.set(id, now);
  }
}

const key = (event: Pick<ConnectionEvent, 'clientId' | 'connectedAt'>) => `${event.clientId}@${event.connectedAt}`;

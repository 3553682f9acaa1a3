import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuthRpc, subSessionClientId, type SubDeviceSessionReply } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { parseDeviceTopic, topics, type AclRule } from '@iot/protocol';
import { DeviceEdgeService } from '../edge/device-edge.service';

/**
 * What the broker driver lends the session logic: publishing to the gateway and its ACL. `loggedInAt` is
 * apps/auth's record of the session (login time, epoch ms): a driver that keeps no session state of its
 * own (EMQX, where apps/auth's record is what the authorization source reads) uses it as connect time.
 */
export interface GatewayPort {
  publish(topic: string, message: unknown): Promise<void>;
  /** Opens the sub-device's topics on the gateway's connection; returns the session's connect time. */
  grant(
    gatewayClientId: string,
    sub: { productKey: string; deviceName: string },
    acl: readonly AclRule[],
    loggedInAt: number | undefined,
  ): number;
  /** Closes them; returns the session's connect time, or undefined when there was no session. */
  revoke(
    gatewayClientId: string,
    sub: { productKey: string; deviceName: string },
    loggedInAt: number | undefined,
  ): number | undefined;
}

export interface GatewayIdentity {
  clientId: string;
  productKey: string;
  deviceName: string;
  peerhost?: string;
}

/** Forced-offline codes on `combine/logout_reply` (protocol.md §5.3). */
export const FORCED_OFFLINE = {
  replaced: { code: 427, message: 'device connect in elsewhere' },
  deleted: { code: 521, message: 'device deleted' },
  disabled: { code: 522, message: 'device forbidden' },
  'topology-removed': { code: 6401, message: 'topo relation not exist' },
} as const;

/**
 * Sub-device sessions at the edge (protocol.md §5.3): a gateway's `combine/login` and `combine/logout` are
 * decided by apps/auth, answered at once, and open or close the sub-device's topics on the gateway's
 * connection. A session's connect and disconnect are published like a device's own, so its status,
 * queued commands and shadow behave exactly as for a directly connected device.
 */
@Injectable()
export class GatewaySessionsService {
  private readonly logger = new Logger(GatewaySessionsService.name);

  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(DeviceEdgeService) private readonly edge: DeviceEdgeService,
  ) {}

  /** True when the topic was a session request (handled here, never forwarded to the bus). */
  async handle(gateway: GatewayIdentity, topic: string, payload: Buffer, port: GatewayPort): Promise<boolean> {
    const base = `/ext/session/${gateway.productKey}/${gateway.deviceName}/combine/`;
    if (!topic.startsWith(base)) return false;
    const verb = topic.slice(base.length);
    if (verb !== 'login' && verb !== 'logout') return true;
    let request: { id?: unknown; params?: unknown } | undefined;
    try {
      request = JSON.parse(payload.toString('utf8')) as { id?: unknown; params?: unknown };
    } catch {
      request = undefined;
    }
    const id = typeof request?.id === 'string' || typeof request?.id === 'number' ? request.id : null;
    const params =
      request && typeof request.params === 'object' && request.params !== null
        ? (request.params as Record<string, string>)
        : undefined;
    let reply: SubDeviceSessionReply;
    if (!params) reply = { code: 460, message: 'request parameter error' };
    else {
      const call = verb === 'login' ? AuthRpc.subDeviceLogin : AuthRpc.subDeviceLogout;
      try {
        reply = await this.bus.request(call, {
          gateway: { productKey: gateway.productKey, deviceName: gateway.deviceName },
          gatewayClientId: gateway.clientId,
          params,
        });
      } catch (error) {
        this.logger.warn(`sub-device ${verb} failed: ${String(error)}`);
        reply = { code: 500, message: 'server error' };
      }
    }
    if (reply.code === 200 && reply.device) {
      const sub = { productKey: reply.device.productKey, deviceName: reply.device.deviceName };
      if (verb === 'login') {
        const connectedAt = port.grant(gateway.clientId, sub, reply.acl ?? [], reply.connectedAt);
        await this.sessionEvent('connected', gateway, sub, connectedAt);
      } else {
        const connectedAt = port.revoke(gateway.clientId, sub, reply.connectedAt);
        if (connectedAt !== undefined) await this.sessionEvent('disconnected', gateway, sub, connectedAt, 'normal');
      }
    }
    await port.publish(`${base}${verb}_reply`, { id, code: reply.code, message: reply.message, data: '' });
    return true;
  }

  /**
   * A gateway published on a device topic it has no session for: the message is dropped, and the gateway
   * hears 520 on `/ext/error` with the message's id (protocol.md §5.3).
   */
  async sessionError(
    gateway: Pick<GatewayIdentity, 'productKey' | 'deviceName'>,
    topic: string,
    payload: Buffer,
    port: Pick<GatewayPort, 'publish'>,
  ): Promise<void> {
    if (!parseDeviceTopic(topic)) return;
    let id: unknown = null;
    try {
      id = (JSON.parse(payload.toString('utf8')) as { id?: unknown }).id ?? null;
    } catch {
      // Not JSON: no id to echo.
    }
    await port.publish(topics.extError(gateway.productKey, gateway.deviceName), {
      id,
      code: 520,
      message: 'device session error',
    });
  }

  /** Tells the gateway a sub-device's session was closed by the platform, and publishes the disconnect. */
  async forceOffline(
    gateway: GatewayIdentity,
    sub: { productKey: string; deviceName: string; connectedAt: number },
    reason: keyof typeof FORCED_OFFLINE,
    port: Pick<GatewayPort, 'publish'>,
  ): Promise<void> {
    const { code, message } = FORCED_OFFLINE[reason];
    await port.publish(topics.sessionLogoutReply(gateway.productKey, gateway.deviceName), {
      id: String(Date.now()),
      code,
      message,
      data: { productKey: sub.productKey, deviceName: sub.deviceName },
    });
    await this.sessionEvent(
      'disconnected',
      gateway,
      sub,
      sub.connectedAt,
      reason === 'replaced' ? 'takenover' : 'kicked',
    );
  }

  /** The disconnect of every session on a gateway connection that is gone. */
  async gatewayGone(
    gateway: GatewayIdentity,
    subs: { productKey: string; deviceName: string; connectedAt: number }[],
    reason: string,
  ): Promise<void> {
    for (const sub of subs) await this.sessionEvent('disconnected', gateway, sub, sub.connectedAt, reason);
  }

  private async sessionEvent(
    type: 'connected' | 'disconnected',
    gateway: GatewayIdentity,
    sub: { productKey: string; deviceName: string },
    connectedAt: number,
    reason?: string,
  ): Promise<void> {
    const event = {
      type,
      productKey: sub.productKey,
      deviceName: sub.deviceName,
      clientId: subSessionClientId(gateway.clientId, sub.productKey, sub.deviceName),
      connectedAt,
      at: Date.now(),
      peerhost: gateway.peerhost,
      ...(reason ? { reason } : {}),
    };
    if (type === 'connected') await this.edge.connected(event);
    else await this.edge.disconnected(event);
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuthRpc, gatewayClientIdOf, subSessionClientId, type ConnectionEvent, type KickRequest } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { parseDeviceTopic } from '@iot/protocol';
import { DeviceEdgeService, type InboundPublish } from '../edge/device-edge.service';
import { GatewaySessionsService, type GatewayIdentity, type GatewayPort } from '../gateway/gateway-sessions.service';
import { EmqxRestClient } from './emqx-rest.client';
import type { DeviceIdentity } from './emqx-events';

/**
 * Gateway sub-device sessions behind EMQX (protocol.md §5.3), with no state in the bridge: apps/auth's
 * session records are what EMQX's HTTP authorization source reads (`POST /emqx/authz` on apps/auth), what
 * this class asks about uplinks, and what any bridge replica sees.
 *
 * - `combine/login|logout` from a gateway go to GatewaySessionsService; replies leave through the REST API.
 * - An uplink a gateway publishes on another device's topic is forwarded only while that device has a
 *   session on the gateway's connection; otherwise it is dropped with 520 on `/ext/error`. EMQX checked
 *   the topic too, but it caches an allow for up to `authorization.cache.ttl` after the logout.
 * - A gateway's disconnect publishes the disconnect of each session it carried.
 * - A kick of a sub-device session (427, 521, 522, 6401) tells the gateway on `combine/logout_reply`.
 */
@Injectable()
export class EmqxGatewayEdge {
  private readonly logger = new Logger(EmqxGatewayEdge.name);
  private readonly port: GatewayPort;

  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(DeviceEdgeService) private readonly edge: DeviceEdgeService,
    @Inject(GatewaySessionsService) private readonly sessions: GatewaySessionsService,
    @Inject(EmqxRestClient) private readonly rest: EmqxRestClient,
  ) {
    this.port = {
      publish: (topic, message) => this.publishJson(topic, message),
      // apps/auth recorded the grant (or the revocation) before answering: nothing to hold here.
      grant: (_gatewayClientId, _sub, _acl, loggedInAt) => loggedInAt ?? Date.now(),
      revoke: (_gatewayClientId, _sub, loggedInAt) => loggedInAt,
    };
  }

  /** A device's PUBLISH as EMQX reported it. Resolves once it is handled (stored, answered or refused). */
  async uplink(publish: InboundPublish, device: DeviceIdentity): Promise<void> {
    if (device.gateway) {
      const gateway = identity(publish.clientId, device, publish.peerhost);
      if (await this.sessions.handle(gateway, publish.topic, publish.payload, this.port)) return;
      if (!(await this.mayPublish(gateway, publish.topic))) {
        this.logger.debug(`dropping ${publish.clientId}'s publish to ${publish.topic}: no sub-device session`);
        await this.sessions.sessionError(gateway, publish.topic, publish.payload, this.port);
        return;
      }
    }
    await this.edge.uplink(publish);
  }

  /** A connection closed; a gateway's sessions close with it (their disconnects first). */
  async disconnected(event: ConnectionEvent, device: DeviceIdentity): Promise<void> {
    if (device.gateway) {
      const subs = await this.bus.request(AuthRpc.subSessionsOn, { gatewayClientId: event.clientId });
      if (subs.length > 0) {
        await this.sessions.gatewayGone(
          identity(event.clientId, device, event.peerhost),
          subs,
          event.reason ?? 'normal',
        );
      }
    }
    await this.edge.disconnected(event);
  }

  /**
   * Closes the sub-device session a kick is about, if any: the gateway hears why on `combine/logout_reply`
   * and the session's disconnect is published (apps/auth closes its record on it).
   * @returns true when the kick named a sub-device session (nothing else to kick then).
   */
  async kickSubSession(request: KickRequest): Promise<boolean> {
    const named = request.clientId !== undefined && gatewayClientIdOf(request.clientId) !== undefined;
    if (request.clientId !== undefined && !named) return false;
    const { session } = await this.bus.request(AuthRpc.subSessionOf, {
      productKey: request.productKey,
      deviceName: request.deviceName,
    });
    if (!session) return named;
    const sessionClientId = subSessionClientId(session.gatewayClientId, session.productKey, session.deviceName);
    if (named && request.clientId !== sessionClientId) return true;
    const gateway = { clientId: session.gatewayClientId, ...session.gateway };
    await this.sessions.forceOffline(gateway, session, request.reason, this.port);
    this.logger.log(
      `closed the session of ${request.productKey}/${request.deviceName} on ${gateway.clientId} (${request.reason})`,
    );
    return named;
  }

  /** The gateway's own topics, or a topic of a sub-device with a session on this connection. */
  private async mayPublish(gateway: GatewayIdentity, topic: string): Promise<boolean> {
    const target = parseDeviceTopic(topic);
    if (!target || (target.productKey === gateway.productKey && target.deviceName === gateway.deviceName)) return true;
    const { allowed } = await this.bus.request(AuthRpc.subDeviceAuthorize, {
      clientId: gateway.clientId,
      topic,
      action: 'publish',
    });
    return allowed;
  }

  private async publishJson(topic: string, message: unknown): Promise<void> {
    await this.rest.publish({ topic, payload: Buffer.from(JSON.stringify(message)).toString('base64'), qos: 1 });
  }
}

function identity(clientId: string, device: DeviceIdentity, peerhost?: string): GatewayIdentity {
  return { clientId, productKey: device.productKey, deviceName: device.deviceName, peerhost };
}

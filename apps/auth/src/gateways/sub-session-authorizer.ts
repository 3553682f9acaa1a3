import { Inject, Injectable } from '@nestjs/common';
import type { SubDeviceAuthorizeReply, SubDeviceAuthorizeRequest } from '@iot/contracts';
import { deviceAclRules, isPublishAllowed, isSubscribeAllowed, parseDeviceTopicFilter } from '@iot/protocol';
import { GatewayRepository } from './gateway.repository';

const DENY: SubDeviceAuthorizeReply = { allowed: false };

/**
 * Whether a gateway's connection may use a topic of a sub-device (protocol.md §5.3): only while the
 * sub-device has a session on that very connection, and only within the sub-device's own ACL. Asked by
 * EMQX (HTTP authorization source) and by the bridge for the uplinks EMQX let through.
 */
@Injectable()
export class SubSessionAuthorizer {
  constructor(@Inject(GatewayRepository) private readonly gateways: GatewayRepository) {}

  async authorize(request: SubDeviceAuthorizeRequest): Promise<SubDeviceAuthorizeReply> {
    const target = parseDeviceTopicFilter(request.topic);
    if (!target) return DENY;
    const rules = deviceAclRules(target.productKey, target.deviceName);
    const inAcl =
      request.action === 'publish' ? isPublishAllowed(rules, request.topic) : isSubscribeAllowed(rules, request.topic);
    if (!inAcl) return DENY;
    const session = await this.gateways.sessionOf(target.productKey, target.deviceName);
    return { allowed: session?.gatewayClientId === request.clientId };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type {
  SubDeviceLoginRequest,
  SubDeviceLogoutRequest,
  SubDeviceSessionReply,
  SubSessionView,
} from '@iot/contracts';
import { deviceAclRules } from '@iot/protocol';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.env';
import { DeviceRepository } from '../devices/device.repository';
import { DevicesService } from '../devices/devices.service';
import { GatewayRepository, type SubSessionRow } from './gateway.repository';
import { GATEWAY_CODE, stringParams, subDeviceSignatureValid } from './sub-device-params';

/** protocol.md §5.3: logins per sub-device per minute (the online limit is GATEWAY_ONLINE_LIMIT). */
export const LOGINS_PER_MINUTE = 5;

const reply = (code: number, message: string): SubDeviceSessionReply => ({ code, message });

/**
 * Sub-device sessions on a gateway's connection (`combine/login`, `combine/logout`). Check order: 460, 6100,
 * 6287, 522, 6401, 429, 428 — the signature before anything about the device is revealed. A deleted
 * sub-device is unknown (6100): the platform keeps no tombstones.
 */
@Injectable()
export class SubSessionsService {
  constructor(
    @Inject(GatewayRepository) private readonly gateways: GatewayRepository,
    @Inject(DevicesService) private readonly devices: DevicesService,
    @Inject(DeviceRepository) private readonly deviceRepository: DeviceRepository,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async login(request: SubDeviceLoginRequest): Promise<SubDeviceSessionReply> {
    const params = stringParams(request.params);
    if (!params?.productKey || !params.deviceName || !params.sign)
      return reply(GATEWAY_CODE.paramError, 'request parameter error');
    const gateway = await this.deviceRepository.find(request.gateway.productKey, request.gateway.deviceName);
    if (!gateway) return reply(GATEWAY_CODE.paramError, 'request parameter error: unknown gateway');
    const found = await this.devices.findWithSecret(params.productKey, params.deviceName);
    if (!found) return reply(GATEWAY_CODE.deviceNotFound, 'device not found');
    if (!subDeviceSignatureValid(params, found.secret)) return reply(GATEWAY_CODE.invalidSign, 'invalid sign');
    const sub = found.device;
    if (sub.disabled) return reply(GATEWAY_CODE.deviceForbidden, 'device forbidden');
    if ((await this.gateways.gatewayOf(sub.iotId)) !== gateway.iotId)
      return reply(GATEWAY_CODE.topoNotExist, 'topo relation not exist');
    if ((await this.gateways.countRecentLogins(sub.iotId, new Date(Date.now() - 60_000))) >= LOGINS_PER_MINUTE) {
      return reply(GATEWAY_CODE.tooManyRequests, 'too many requests');
    }
    const session = await this.gateways.findSession(sub.iotId);
    const alreadyHere = session?.gatewayIotId === gateway.iotId;
    if (!alreadyHere && (await this.gateways.countSessions(gateway.iotId)) >= this.config.GATEWAY_ONLINE_LIMIT) {
      return reply(GATEWAY_CODE.tooManySubDevices, 'too many subdevices under gateway');
    }
    const loggedInAt = await this.gateways.openSession(
      sub.iotId,
      gateway.iotId,
      request.gatewayClientId,
      params.cleanSession !== 'false',
    );
    return {
      code: GATEWAY_CODE.ok,
      message: 'success',
      device: { productKey: sub.productKey, deviceName: sub.deviceName, iotId: sub.iotId },
      acl: deviceAclRules(sub.productKey, sub.deviceName),
      connectedAt: loggedInAt.getTime(),
    };
  }

  async logout(request: SubDeviceLogoutRequest): Promise<SubDeviceSessionReply> {
    const params = stringParams(request.params);
    if (!params?.productKey || !params.deviceName) return reply(GATEWAY_CODE.paramError, 'request parameter error');
    const sub = await this.deviceRepository.find(params.productKey, params.deviceName);
    const loggedInAt = sub && (await this.gateways.closeSessionOn(sub.iotId, request.gatewayClientId));
    if (!sub || !loggedInAt) return reply(GATEWAY_CODE.sessionError, 'device no session');
    return {
      code: GATEWAY_CODE.ok,
      message: 'success',
      device: { productKey: sub.productKey, deviceName: sub.deviceName, iotId: sub.iotId },
      connectedAt: loggedInAt.getTime(),
    };
  }

  async sessionOf(ref: { productKey: string; deviceName: string }): Promise<{ session?: SubSessionView }> {
    const row = await this.gateways.sessionOf(ref.productKey, ref.deviceName);
    return row ? { session: toView(row) } : {};
  }

  async sessionsOn(gatewayClientId: string): Promise<SubSessionView[]> {
    return (await this.gateways.sessionsOn(gatewayClientId)).map(toView);
  }
}

function toView(row: SubSessionRow): SubSessionView {
  return {
    productKey: row.productKey,
    deviceName: row.deviceName,
    gateway: { productKey: row.gatewayProductKey, deviceName: row.gatewayDeviceName },
    gatewayClientId: row.gatewayClientId,
    connectedAt: row.loggedInAt.getTime(),
  };
}

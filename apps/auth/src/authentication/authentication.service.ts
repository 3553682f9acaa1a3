import { Inject, Injectable, Logger } from '@nestjs/common';
import type { MqttAuthenticateReply, MqttAuthenticateRequest } from '@iot/contracts';
import {
  CONNACK,
  deviceAclRules,
  isKeepaliveAllowed,
  parseMqttClientId,
  parseMqttUsername,
  verifyMqttPassword,
} from '@iot/protocol';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.env';
import { DevicesService } from '../devices/devices.service';
import type { DeviceWithProduct } from '../devices/device.repository';
import { sha256Hex } from '../secrets/identifiers';
import { TokenRepository } from './token.repository';

/**
 * Decides every MQTT CONNECT, for the embedded broker (over NATS) and EMQX (over HTTP) alike:
 * protocol.md §1.3 (signed clientId/username/password) and §1.4 (iotId/iotToken).
 * Check order: keepalive and clientId form (CONNACK 2), credentials (4, or 3 for tokens), disabled (5).
 */
@Injectable()
export class AuthenticationService {
  private readonly logger = new Logger(AuthenticationService.name);

  constructor(
    @Inject(DevicesService) private readonly devices: DevicesService,
    @Inject(TokenRepository) private readonly tokens: TokenRepository,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async authenticate(request: MqttAuthenticateRequest): Promise<MqttAuthenticateReply> {
    if (request.keepalive !== undefined && !isKeepaliveAllowed(request.keepalive)) {
      return deny(CONNACK.identifierRejected, `keepalive ${request.keepalive}s outside 30–1200`);
    }
    const username = parseMqttUsername(request.username ?? '');
    if (!username) return this.authenticateToken(request);

    const parsed = parseMqttClientId(request.clientId ?? '');
    if (!parsed) return deny(CONNACK.identifierRejected, 'malformed clientId (expected id|securemode=…,signmethod=…|)');
    const found = await this.devices.findWithSecret(username.productKey, username.deviceName);
    if (!found) return deny(CONNACK.badCredentials, 'unknown device');
    const signed = verifyMqttPassword({
      parsed,
      deviceName: username.deviceName,
      productKey: username.productKey,
      deviceSecret: found.secret,
      password: request.password ?? '',
      regionIds: this.config.MQTT_SIGN_REGION_IDS,
    });
    if (!signed) return deny(CONNACK.badCredentials, 'signature mismatch');
    return this.allowUnlessDisabled(found.device);
  }

  /** protocol.md §1.4: username iotId, password iotToken; any failure is CONNACK 3. */
  private async authenticateToken(request: MqttAuthenticateRequest): Promise<MqttAuthenticateReply> {
    if (!request.username || !request.password) return deny(CONNACK.serverUnavailable, 'invalid iotId or iotToken');
    const token = await this.tokens.findDevice(request.username, sha256Hex(request.password), new Date());
    if (!token) return deny(CONNACK.serverUnavailable, 'invalid iotId or iotToken');
    const reply = this.allowUnlessDisabled(token.device);
    return reply.allowed ? { ...reply, expiresAt: token.expiresAt.getTime() } : reply;
  }

  private allowUnlessDisabled(device: DeviceWithProduct): MqttAuthenticateReply {
    if (device.disabled) return deny(CONNACK.notAuthorized, 'device disabled');
    this.logger.debug(`CONNECT allowed for ${device.productKey}/${device.deviceName}`);
    return {
      allowed: true,
      returnCode: CONNACK.accepted,
      device: {
        productKey: device.productKey,
        deviceName: device.deviceName,
        iotId: device.iotId,
        nodeType: device.product.nodeType,
      },
      acl: deviceAclRules(device.productKey, device.deviceName),
    };
  }
}

function deny(returnCode: number, reason: string): MqttAuthenticateReply {
  return { allowed: false, returnCode, reason, acl: [] };
}

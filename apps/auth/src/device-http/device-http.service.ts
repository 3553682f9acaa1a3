import { Inject, Injectable } from '@nestjs/common';
import type { DeviceHttpReply, DeviceHttpRequest } from '@iot/contracts';
import {
  CLIENT_ID_MAX_LENGTH,
  hmacHex,
  normalizeSignMethod,
  SIGN_EXCLUDE,
  signatureMatches,
  signContent,
} from '@iot/protocol';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.env';
import { DeviceRepository } from '../devices/device.repository';
import { DevicesService } from '../devices/devices.service';
import { ProductsService } from '../products/products.service';
import { TokenRepository } from '../authentication/token.repository';
import { newToken, sha256Hex } from '../secrets/identifiers';
import { DomainError } from '@iot/contracts';

/** protocol.md §1.4: iotToken lifetime. */
export const IOT_TOKEN_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Result codes of the device HTTP channel. The seeds give §1.4's; for dynamic registration (§1.5) they give
 * none, so the platform picks one code per condition (docs/protocol-decisions.md).
 */
export const DEVICE_HTTP_CODE = {
  success: 200,
  authError: 401,
  paramError: 460,
  unknown: 500,
  deviceNotFound: 5001,
  notPreRegistered: 6100,
  dynamicRegistrationDisabled: 6288,
  alreadyActivated: 6289,
} as const;

@Injectable()
export class DeviceHttpService {
  constructor(
    @Inject(DevicesService) private readonly devices: DevicesService,
    @Inject(DeviceRepository) private readonly deviceRepository: DeviceRepository,
    @Inject(ProductsService) private readonly products: ProductsService,
    @Inject(TokenRepository) private readonly tokens: TokenRepository,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** `POST /auth/devicename`: a signed request for MQTT credentials (iotId + iotToken, valid 7 days). */
  async deviceNameAuth({ params }: DeviceHttpRequest): Promise<DeviceHttpReply> {
    const { productKey, deviceName, clientId, sign } = params;
    if (!productKey || !deviceName || !clientId || !sign || clientId.length > CLIENT_ID_MAX_LENGTH) {
      return reply(DEVICE_HTTP_CODE.paramError, 'param error');
    }
    const method = normalizeSignMethod(params.signmethod);
    if (!method) return reply(DEVICE_HTTP_CODE.paramError, 'param error: unsupported signmethod');
    const found = await this.devices.findWithSecret(productKey, deviceName);
    if (!found) return reply(DEVICE_HTTP_CODE.deviceNotFound, 'meta device not found');
    const expected = hmacHex(method, found.secret, signContent(params, SIGN_EXCLUDE.mqttAuth));
    if (!signatureMatches(expected, sign)) return reply(DEVICE_HTTP_CODE.authError, 'request auth error');
    if (found.device.disabled) return reply(DEVICE_HTTP_CODE.authError, 'request auth error: device disabled');
    const iotToken = newToken();
    await this.tokens.issue(found.device.iotId, sha256Hex(iotToken), new Date(Date.now() + IOT_TOKEN_TTL_MS));
    return reply(DEVICE_HTTP_CODE.success, 'success', {
      iotId: found.device.iotId,
      iotToken,
      resources: { mqtt: { host: this.config.MQTT_PUBLIC_HOST, port: this.config.MQTT_PORT } },
    });
  }

  /**
   * `POST /auth/register/device`: dynamic registration with the ProductSecret. The DeviceSecret is issued
   * once: registering is the device's activation, and a second request is refused (6289).
   */
  async registerDevice({ params }: DeviceHttpRequest): Promise<DeviceHttpReply> {
    const { productKey, deviceName, random, sign } = params;
    if (!productKey || !deviceName || !random || !sign) return reply(DEVICE_HTTP_CODE.paramError, 'param error');
    const method = normalizeSignMethod(params.signMethod ?? params.signmethod);
    if (!method) return reply(DEVICE_HTTP_CODE.paramError, 'param error: unsupported signMethod');
    const product = await this.products.requireWithSecret(productKey).catch((error: unknown) => {
      if (error instanceof DomainError) return undefined;
      throw error;
    });
    if (!product) return reply(DEVICE_HTTP_CODE.notPreRegistered, 'device not pre-registered');
    const expected = hmacHex(method, product.secret, signContent(params, SIGN_EXCLUDE.register));
    if (!signatureMatches(expected, sign)) return reply(DEVICE_HTTP_CODE.authError, 'request auth error');
    if (!product.product.dynamicRegistration) {
      return reply(DEVICE_HTTP_CODE.dynamicRegistrationDisabled, 'dynamic registration is disabled for this product');
    }
    const found = await this.devices.findWithSecret(productKey, deviceName);
    if (!found) return reply(DEVICE_HTTP_CODE.notPreRegistered, 'device not pre-registered');
    if (!(await this.deviceRepository.activate(found.device.iotId, new Date()))) {
      return reply(
        DEVICE_HTTP_CODE.alreadyActivated,
        'device already activated; delete and re-create it to register again',
      );
    }
    return reply(DEVICE_HTTP_CODE.success, 'success', { productKey, deviceName, deviceSecret: found.secret });
  }
}

function reply(code: number, message: string, data?: Record<string, unknown>): DeviceHttpReply {
  return data ? { code, message, data } : { code, message };
}

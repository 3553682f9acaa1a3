import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import {
  BridgeRpc,
  DomainError,
  ErrorCode,
  type ConfigKind,
  type ConfigView,
  type DownloadConfigRequest,
  type SetConfigRequest,
} from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { topics } from '@iot/protocol';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.env';
import { AUTH_DB, type AuthDb } from '../database/database.module';
import type { ProductConfig } from '../generated/prisma/client';
import { ProductsService } from '../products/products.service';
import { ConfigLinks } from './config-links';

export const MAX_CONFIG_BYTES = 512 * 1024;

/** Results of `thing/config/get` (protocol.md §7.1). */
export const CONFIG_CODE = { unavailable: 6713, noData: 6710, paramError: 460 } as const;

/**
 * Remote configuration files (protocol.md §7.1) and gateway configuration files (§7.3), per product: stored,
 * pulled by devices (`thing/config/get`), pushed to every device of the product, downloaded by signed URL.
 */
@Injectable()
export class ConfigsService {
  private readonly logger = new Logger(ConfigsService.name);
  private readonly links: ConfigLinks;

  constructor(
    @Inject(AUTH_DB) private readonly db: AuthDb,
    @Inject(ProductsService) private readonly products: ProductsService,
    @Inject(Bus) private readonly bus: Bus,
    @Inject(AUTH_CONFIG) config: AuthConfig,
  ) {
    const base = config.DEVICE_HTTP_PUBLIC_URL ?? `http://${config.MQTT_PUBLIC_HOST}:${config.DEVICE_HTTP_PORT}`;
    this.links = new ConfigLinks(config.IOT_SECRET_KEY, base);
  }

  async set(request: SetConfigRequest): Promise<ConfigView> {
    await this.products.require(request.productKey);
    const kind = checkKind(request.kind);
    const content = typeof request.content === 'string' ? Buffer.from(request.content, 'base64') : Buffer.alloc(0);
    if (content.length === 0 || content.length > MAX_CONFIG_BYTES) {
      throw new DomainError(ErrorCode.VALIDATION_FAILED, `content: 1 byte to ${MAX_CONFIG_BYTES / 1024} KB, base64`);
    }
    const sha256 = createHash('sha256').update(content).digest('hex');
    const data = {
      configId: sha256.slice(0, 16),
      content,
      sha256,
      enabled: request.enabled ?? true,
      updatedAt: new Date(),
    };
    const row = await this.db.productConfig.upsert({
      where: { productKey_kind: { productKey: request.productKey, kind } },
      create: { productKey: request.productKey, kind, ...data },
      update: data,
    });
    return view(row);
  }

  async get(productKey: string, kind: ConfigKind): Promise<ConfigView> {
    return view(await this.require(productKey, checkKind(kind)));
  }

  /** Sends the file's link to every device of the product (QoS 1); returns how many took it. */
  async push(productKey: string, kind: ConfigKind): Promise<{ devices: number; delivered: number }> {
    const config = await this.require(productKey, checkKind(kind));
    const devices = await this.db.device.findMany({ where: { productKey }, select: { deviceName: true } });
    let delivered = 0;
    for (const { deviceName } of devices) {
      const message = kind === 'device' ? this.devicePush(config) : this.gatewayPush(config);
      const topic = topics.thing(productKey, deviceName, kind === 'device' ? 'config/push' : 'model/config/push');
      try {
        const reply = await this.bus.request(BridgeRpc.publish, {
          topic,
          payload: Buffer.from(JSON.stringify(message)).toString('base64'),
          qos: 1,
        });
        if (reply.delivered) delivered++;
      } catch (error) {
        this.logger.warn(`config push to ${productKey}/${deviceName} failed: ${String(error)}`);
      }
    }
    return { devices: devices.length, delivered };
  }

  /** `thing/config/get`: the product's file, as a signed link (6710 none, 6713 disabled). */
  async pull(productKey: string, params: unknown): Promise<{ code: number; data: unknown; message?: string }> {
    const p = (params ?? {}) as { configScope?: unknown; getType?: unknown };
    if ((p.configScope ?? 'product') !== 'product' || (p.getType ?? 'file') !== 'file') {
      return { code: CONFIG_CODE.paramError, data: {}, message: 'configScope "product" and getType "file" only' };
    }
    const config = await this.db.productConfig.findUnique({
      where: { productKey_kind: { productKey, kind: 'device' } },
    });
    if (!config) return { code: CONFIG_CODE.noData, data: {}, message: 'no data' };
    if (!config.enabled)
      return { code: CONFIG_CODE.unavailable, data: {}, message: 'thing config function is not available' };
    return { code: 200, data: this.fileInfo(config) };
  }

  async download(request: DownloadConfigRequest): Promise<{ content: string }> {
    if (!this.links.valid(request.productKey, request.configId, request.expires, request.signature)) {
      throw new DomainError(ErrorCode.LINK_INVALID, 'link invalid or expired');
    }
    const rows = await this.db.productConfig.findMany({
      where: { productKey: request.productKey, configId: request.configId },
    });
    if (rows.length === 0) throw new DomainError(ErrorCode.CONFIG_NOT_FOUND, 'configuration not found');
    return { content: Buffer.from(rows[0].content).toString('base64') };
  }

  private fileInfo(config: ProductConfig) {
    return {
      configId: config.configId,
      configSize: config.content.length,
      sign: config.sha256,
      signMethod: 'Sha256',
      url: this.links.url(config.productKey, config.configId),
      getType: 'file',
    };
  }

  /** thing/config/push: the payload under `params` (§7.1). */
  private devicePush(config: ProductConfig) {
    return { id: String(Date.now()), version: '1.0', method: 'thing.config.push', params: this.fileInfo(config) };
  }

  /** thing/model/config/push: the payload under `data`, with a digest (§7.3). */
  private gatewayPush(config: ProductConfig) {
    return {
      id: String(Date.now()),
      version: '1.0',
      method: 'thing.model.config.push',
      data: { digest: config.sha256, digestMethod: 'sha256', url: this.links.url(config.productKey, config.configId) },
    };
  }

  private async require(productKey: string, kind: ConfigKind): Promise<ProductConfig> {
    const row = await this.db.productConfig.findUnique({ where: { productKey_kind: { productKey, kind } } });
    if (!row) throw new DomainError(ErrorCode.CONFIG_NOT_FOUND, `No ${kind} configuration for product ${productKey}`);
    return row;
  }
}

function checkKind(kind: unknown): ConfigKind {
  if (kind !== 'device' && kind !== 'gateway')
    throw new DomainError(ErrorCode.VALIDATION_FAILED, 'kind: device or gateway');
  return kind;
}

function view(row: ProductConfig): ConfigView {
  return {
    productKey: row.productKey,
    kind: row.kind as ConfigKind,
    configId: row.configId,
    size: row.content.length,
    sha256: row.sha256,
    enabled: row.enabled,
    updatedAt: row.updatedAt.toISOString(),
  };
}

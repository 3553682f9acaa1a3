import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  BridgeRpc,
  BridgeSignals,
  DomainError,
  ErrorCode,
  type CreateDeviceRequest,
  type DeviceCreated,
  type DeviceRef,
  type DeviceStatus,
  type DeviceView,
  type ListDevicesRequest,
  type Page,
} from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { isValidDeviceName, topics } from '@iot/protocol';
import type { Device } from '../generated/prisma/client';
import { ProductsService } from '../products/products.service';
import { newDeviceName, newIotId, newSecret } from '../secrets/identifiers';
import { SecretBox } from '../secrets/secret-box';
import { GatewayRepository } from '../gateways/gateway.repository';
import { DeviceLookup } from './device-lookup';
import { DeviceRepository, type DeviceWithProduct } from './device.repository';

/** protocol.md §0.1. */
export const MAX_DEVICES_PER_PRODUCT = 500_000;
const MAX_PAGE_SIZE = 200;
const STATUSES: readonly DeviceStatus[] = ['inactive', 'online', 'offline'];

@Injectable()
export class DevicesService {
  constructor(
    @Inject(DeviceRepository) private readonly devices: DeviceRepository,
    @Inject(ProductsService) private readonly products: ProductsService,
    @Inject(SecretBox) private readonly secrets: SecretBox,
    @Inject(Bus) private readonly bus: Bus,
    @Inject(GatewayRepository) private readonly gateways: GatewayRepository,
    @Inject(DeviceLookup) private readonly lookup: DeviceLookup,
  ) {}

  private readonly logger = new Logger(DevicesService.name);

  async create(request: CreateDeviceRequest): Promise<DeviceCreated> {
    const deviceName = request.deviceName ?? newDeviceName();
    if (typeof deviceName !== 'string' || !isValidDeviceName(deviceName)) {
      throw new DomainError(
        ErrorCode.VALIDATION_FAILED,
        'deviceName: 4 to 32 characters of letters, digits, -, _, @, . and :',
        { deviceName },
      );
    }
    await this.products.require(request.productKey);
    if ((await this.devices.countInProduct(request.productKey)) >= MAX_DEVICES_PER_PRODUCT) {
      throw new DomainError(
        ErrorCode.DEVICE_LIMIT_REACHED,
        `A product holds at most ${MAX_DEVICES_PER_PRODUCT} devices`,
      );
    }
    const deviceSecret = newSecret();
    const device = await this.devices.create({
      iotId: newIotId(),
      productKey: request.productKey,
      deviceName,
      secretCipher: this.secrets.seal(deviceSecret),
    });
    if (!device) {
      throw new DomainError(
        ErrorCode.DEVICE_ALREADY_EXISTS,
        `Device ${deviceName} already exists in ${request.productKey}`,
      );
    }
    return { ...toDeviceView(device), deviceSecret };
  }

  async get(ref: DeviceRef): Promise<DeviceView> {
    return this.view(await this.require(ref));
  }

  async list(request: ListDevicesRequest): Promise<Page<DeviceView>> {
    const page = request.page ?? 1;
    const pageSize = request.pageSize ?? 20;
    if (!Number.isInteger(page) || page < 1) throw invalid('page: an integer from 1');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw invalid(`pageSize: an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
    if (request.status !== undefined && !STATUSES.includes(request.status)) {
      throw invalid(`status: one of ${STATUSES.join(', ')}`);
    }
    await this.products.require(request.productKey);
    const { items, total } = await this.devices.list(request.productKey, page, pageSize, request.status);
    return { items: items.map(toDeviceView), page, pageSize, total };
  }

  /**
   * Deletes the device with its topology, sessions and tags; it is told (`thing/delete`), then its
   * connection or sub-device session is closed: its credentials stop working at once (protocol.md §7.4).
   */
  async delete(ref: DeviceRef): Promise<{ deleted: true }> {
    await this.require(ref);
    await this.notify(ref, 'delete');
    const device = await this.devices.delete(ref.productKey, ref.deviceName);
    if (!device) throw notFound(ref);
    await this.gateways.forget(device.iotId);
    this.bus.emit(BridgeSignals.kick, { ...ref, clientId: device.clientId ?? undefined, reason: 'deleted' });
    return { deleted: true };
  }

  /** Disable: told (`thing/disable`), then kicked and refused; enable: told (`thing/enable`), allowed again. */
  async setDisabled(ref: DeviceRef & { disabled: boolean }): Promise<DeviceView> {
    const device = await this.devices.setDisabled(ref.productKey, ref.deviceName, ref.disabled);
    if (!device) throw notFound(ref);
    await this.notify(ref, ref.disabled ? 'disable' : 'enable');
    if (ref.disabled) {
      this.bus.emit(BridgeSignals.kick, {
        productKey: ref.productKey,
        deviceName: ref.deviceName,
        clientId: device.clientId ?? undefined,
        reason: 'disabled',
      });
    }
    return this.view(device);
  }

  /** Lifecycle notices go out at QoS 1, so a device (or its gateway) with a session gets them. Best effort. */
  private async notify(ref: DeviceRef, what: 'disable' | 'enable' | 'delete'): Promise<void> {
    const message = { id: String(Date.now()), version: '1.0', params: {}, method: `thing.${what}` };
    try {
      await this.bus.request(BridgeRpc.publish, {
        topic: topics.thing(ref.productKey, ref.deviceName, what),
        payload: Buffer.from(JSON.stringify(message)).toString('base64'),
        qos: 1,
      });
    } catch (error) {
      this.logger.warn(`thing.${what} notice to ${ref.productKey}/${ref.deviceName} not sent: ${String(error)}`);
    }
  }

  private async view(device: Device): Promise<DeviceView> {
    return { ...toDeviceView(device), tags: await this.gateways.tagsOf(device.iotId) };
  }

  async require(ref: DeviceRef): Promise<Device> {
    const device = await this.devices.find(ref.productKey, ref.deviceName);
    if (!device) throw notFound(ref);
    return device;
  }

  /** Looks a device up with its secret in clear, for signature checks; undefined when unknown. */
  async findWithSecret(
    productKey: string,
    deviceName: string,
  ): Promise<{ device: DeviceWithProduct; secret: string } | undefined> {
    const device = await this.lookup.find(productKey, deviceName);
    return device ? { device, secret: this.secrets.open(device.secretCipher) } : undefined;
  }

  secretOf(device: Device): string {
    return this.secrets.open(device.secretCipher);
  }
}

export function toDeviceView(d: Device): DeviceView {
  return {
    productKey: d.productKey,
    deviceName: d.deviceName,
    iotId: d.iotId,
    status: d.status,
    disabled: d.disabled,
    createdAt: d.createdAt.toISOString(),
    activatedAt: d.activatedAt?.toISOString() ?? null,
    lastOnlineAt: d.lastOnlineAt?.toISOString() ?? null,
    ip: d.ip,
    firmwareVersion: d.firmwareVersion,
  };
}

const invalid = (message: string) => new DomainError(ErrorCode.VALIDATION_FAILED, message);
const notFound = (ref: DeviceRef) =>
  new DomainError(ErrorCode.DEVICE_NOT_FOUND, `Device ${ref.deviceName} not found in product ${ref.productKey}`, {
    ...ref,
  });

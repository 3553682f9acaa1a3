import { Inject, Injectable } from '@nestjs/common';
import { BridgeSignals, DomainError, ErrorCode } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { isValidDeviceName } from '@iot/protocol';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.env';
import { DeviceRepository } from '../devices/device.repository';
import { DevicesService } from '../devices/devices.service';
import type { Device } from '../generated/prisma/client';
import { ProductRepository } from '../products/product.repository';
import { ProductsService } from '../products/products.service';
import { GatewayRepository } from './gateway.repository';
import { deviceParamList, GATEWAY_CODE, subDeviceSignatureValid, type DeviceParam } from './sub-device-params';

export interface AlinkOutcome {
  code: number;
  data: unknown;
  message?: string;
}

const ok = (data: unknown = {}): AlinkOutcome => ({ code: GATEWAY_CODE.ok, data });
const fail = (code: number, message: string): AlinkOutcome => ({ code, data: {}, message });

/** A gateway's topology requests (protocol.md §5.1–5.2), each answered on its `_reply` topic. */
@Injectable()
export class TopologyService {
  constructor(
    @Inject(GatewayRepository) private readonly gateways: GatewayRepository,
    @Inject(DeviceRepository) private readonly devices: DeviceRepository,
    @Inject(DevicesService) private readonly deviceService: DevicesService,
    @Inject(ProductRepository) private readonly products: ProductRepository,
    @Inject(ProductsService) private readonly productService: ProductsService,
    @Inject(Bus) private readonly bus: Bus,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** `thing/topo/add`: every entry signed by its sub-device; all are added or none. */
  async add(gateway: Device, params: unknown): Promise<AlinkOutcome> {
    const list = deviceParamList(params);
    if (!list) return fail(GATEWAY_CODE.paramError, 'request parameter error');
    const subs: Device[] = [];
    for (const entry of list) {
      if (isSelf(gateway, entry)) return fail(GATEWAY_CODE.topoSelf, 'topo relation cannot add by self');
      const found = await this.deviceService.findWithSecret(entry.productKey, entry.deviceName);
      if (!found) return fail(GATEWAY_CODE.deviceNotFound, `device not found: ${entry.productKey}/${entry.deviceName}`);
      if (!subDeviceSignatureValid(entry, found.secret)) return fail(GATEWAY_CODE.authError, 'request auth error');
      subs.push(found.device);
    }
    const current = new Set((await this.gateways.subDevicesOf(gateway.iotId)).map((d) => d.iotId));
    const added = subs.filter((s) => !current.has(s.iotId)).length;
    const limit = this.config.GATEWAY_TOPOLOGY_LIMIT;
    if (current.size + added > limit)
      return fail(GATEWAY_CODE.tooManySubDevices, `a gateway holds at most ${limit} sub-devices`);
    await this.gateways.addTopology(
      gateway.iotId,
      subs.map((s) => s.iotId),
    );
    return ok();
  }

  /** `thing/topo/delete`: the sub-device can no longer log in through this gateway; an open session is closed. */
  async remove(gateway: Device, params: unknown): Promise<AlinkOutcome> {
    const list = deviceParamList(params);
    if (!list) return fail(GATEWAY_CODE.paramError, 'request parameter error');
    const subs: Device[] = [];
    for (const entry of list) {
      const sub = await this.devices.find(entry.productKey, entry.deviceName);
      if (!sub) return fail(GATEWAY_CODE.deviceNotFound, `device not found: ${entry.productKey}/${entry.deviceName}`);
      subs.push(sub);
    }
    await this.gateways.removeTopology(
      gateway.iotId,
      subs.map((s) => s.iotId),
    );
    for (const sub of subs) {
      const session = await this.gateways.findSession(sub.iotId);
      if (session?.gatewayIotId !== gateway.iotId) continue;
      this.bus.emit(BridgeSignals.kick, {
        productKey: sub.productKey,
        deviceName: sub.deviceName,
        reason: 'topology-removed',
      });
    }
    return ok();
  }

  /** The API's view and edits of a gateway's topology: no device signature, the caller is an operator. */
  async adminList(gateway: DeviceParam) {
    return toRefs(await this.gateways.subDevicesOf((await this.requireGateway(gateway)).iotId));
  }

  async adminAdd(gateway: DeviceParam, sub: DeviceParam) {
    const gw = await this.requireGateway(gateway);
    if (isSelf(gw, sub)) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'a gateway cannot be its own sub-device');
    const device = await this.deviceService.require(sub);
    const current = await this.gateways.subDevicesOf(gw.iotId);
    if (!current.some((d) => d.iotId === device.iotId) && current.length >= this.config.GATEWAY_TOPOLOGY_LIMIT) {
      throw new DomainError(
        ErrorCode.DEVICE_LIMIT_REACHED,
        `a gateway holds at most ${this.config.GATEWAY_TOPOLOGY_LIMIT} sub-devices`,
      );
    }
    await this.gateways.addTopology(gw.iotId, [device.iotId]);
    return this.adminList(gateway);
  }

  async adminRemove(gateway: DeviceParam, sub: DeviceParam) {
    const gw = await this.requireGateway(gateway);
    const outcome = await this.remove(gw, [{ productKey: sub.productKey, deviceName: sub.deviceName }]);
    if (outcome.code !== GATEWAY_CODE.ok)
      throw new DomainError(ErrorCode.DEVICE_NOT_FOUND, outcome.message ?? 'device not found');
    return this.adminList(gateway);
  }

  private async requireGateway(ref: DeviceParam): Promise<Device> {
    const device = await this.deviceService.require(ref);
    const product = await this.productService.require(ref.productKey);
    if (product.nodeType !== 'gateway')
      throw new DomainError(ErrorCode.VALIDATION_FAILED, `${ref.productKey} is not a gateway product`);
    return device;
  }

  /** `thing/topo/get`. */
  async get(gateway: Device): Promise<AlinkOutcome> {
    const subs = await this.gateways.subDevicesOf(gateway.iotId);
    return ok(toRefs(subs));
  }

  /** `thing/list/found`: discovered sub-devices, checked (6250 unknown product, 6280 bad name). */
  async found(params: unknown): Promise<AlinkOutcome> {
    const list = deviceParamList(params);
    if (!list) return fail(GATEWAY_CODE.paramError, 'request parameter error');
    for (const entry of list) {
      if (!(await this.products.find(entry.productKey)))
        return fail(GATEWAY_CODE.productNotFound, `product not found: ${entry.productKey}`);
      if (!isValidDeviceName(entry.deviceName))
        return fail(GATEWAY_CODE.deviceNameInvalid, `devicename not meet specs: ${entry.deviceName}`);
    }
    return ok();
  }

  /**
   * `thing/sub/register` (protocol.md §5.1): pre-registered sub-devices of products with dynamic registration
   * get their DeviceSecret — once, as for direct devices.
   */
  async register(gateway: Device, params: unknown): Promise<AlinkOutcome> {
    const list = deviceParamList(params);
    if (!list) return fail(GATEWAY_CODE.paramError, 'request parameter error');
    const issued: { iotId: string; productKey: string; deviceName: string; deviceSecret: string }[] = [];
    for (const entry of list) {
      if (isSelf(gateway, entry)) return fail(GATEWAY_CODE.topoSelf, 'topo relation cannot add by self');
      const product = await this.products.find(entry.productKey);
      if (!product) return fail(GATEWAY_CODE.productNotFound, `product not found: ${entry.productKey}`);
      if (!product.dynamicRegistration)
        return fail(
          GATEWAY_CODE.dynamicRegistrationDisabled,
          `dynamic registration is disabled for ${entry.productKey}`,
        );
      const found = await this.deviceService.findWithSecret(entry.productKey, entry.deviceName);
      if (!found)
        return fail(GATEWAY_CODE.deviceNotFound, `device not pre-registered: ${entry.productKey}/${entry.deviceName}`);
      if (!(await this.devices.activate(found.device.iotId, new Date()))) {
        return fail(GATEWAY_CODE.alreadyActivated, `device already activated: ${entry.productKey}/${entry.deviceName}`);
      }
      issued.push({
        iotId: found.device.iotId,
        productKey: entry.productKey,
        deviceName: entry.deviceName,
        deviceSecret: found.secret,
      });
    }
    return ok(issued);
  }
}

/** The gateway's sub-devices, for the API. */
export function toRefs(devices: Device[]): { productKey: string; deviceName: string }[] {
  return devices.map((d) => ({ productKey: d.productKey, deviceName: d.deviceName }));
}

function isSelf(gateway: Device, entry: DeviceParam): boolean {
  return gateway.productKey === entry.productKey && gateway.deviceName === entry.deviceName;
}

import type { AclRule } from '@iot/protocol';

/** A sub-device logged in on a gateway's connection. */
export interface SubDeviceSession {
  productKey: string;
  deviceName: string;
  acl: readonly AclRule[];
  connectedAt: number;
}

/** What the bridge knows about one authenticated MQTT connection. */
export interface DeviceSession {
  productKey: string;
  deviceName: string;
  acl: readonly AclRule[];
  gateway: boolean;
  /** Sub-devices logged in through this (gateway) connection, by `pk&dn`. */
  subDevices: Map<string, SubDeviceSession>;
  connectedAt: number;
  peerhost?: string;
  keepalive: number;
  clean: boolean;
  /** Why the broker is closing the connection, when the bridge itself closes it. */
  closeReason?: string;
}

/** Connections by client and by device, to kick a device and to find who a packet came from. */
export class DeviceSessions<C extends object> {
  private readonly byClient = new WeakMap<C, DeviceSession>();
  private readonly byDevice = new Map<string, Set<C>>();
  private readonly bySubDevice = new Map<string, Set<C>>();
  private lastConnectedAt = 0;

  /** Strictly increasing connection timestamps, so two connections of one device never tie. */
  nextConnectedAt(): number {
    this.lastConnectedAt = Math.max(Date.now(), this.lastConnectedAt + 1);
    return this.lastConnectedAt;
  }

  add(client: C, session: DeviceSession): void {
    this.byClient.set(client, session);
    const key = deviceKey(session.productKey, session.deviceName);
    let clients = this.byDevice.get(key);
    if (!clients) this.byDevice.set(key, (clients = new Set()));
    clients.add(client);
  }

  get(client: C): DeviceSession | undefined {
    return this.byClient.get(client);
  }

  remove(client: C): DeviceSession | undefined {
    const session = this.byClient.get(client);
    if (!session) return undefined;
    for (const sub of [...session.subDevices.values()]) this.removeSubDevice(client, sub);
    const key = deviceKey(session.productKey, session.deviceName);
    const clients = this.byDevice.get(key);
    clients?.delete(client);
    if (clients?.size === 0) this.byDevice.delete(key);
    return session;
  }

  clientsOf(productKey: string, deviceName: string): C[] {
    return [...(this.byDevice.get(deviceKey(productKey, deviceName)) ?? [])];
  }

  /** Gateway connections on which a sub-device is logged in. */
  gatewaysOf(productKey: string, deviceName: string): C[] {
    return [...(this.bySubDevice.get(deviceKey(productKey, deviceName)) ?? [])];
  }

  addSubDevice(client: C, sub: SubDeviceSession): void {
    const session = this.byClient.get(client);
    if (!session) return;
    session.subDevices.set(subKey(sub), sub);
    const key = deviceKey(sub.productKey, sub.deviceName);
    let gateways = this.bySubDevice.get(key);
    if (!gateways) this.bySubDevice.set(key, (gateways = new Set()));
    gateways.add(client);
  }

  removeSubDevice(client: C, sub: { productKey: string; deviceName: string }): SubDeviceSession | undefined {
    const session = this.byClient.get(client);
    const removed = session?.subDevices.get(subKey(sub));
    if (!session || !removed) return undefined;
    session.subDevices.delete(subKey(sub));
    const key = deviceKey(sub.productKey, sub.deviceName);
    this.bySubDevice.get(key)?.delete(client);
    if (this.bySubDevice.get(key)?.size === 0) this.bySubDevice.delete(key);
    return removed;
  }
}

export const subKey = (sub: { productKey: string; deviceName: string }) => `${sub.productKey}&${sub.deviceName}`;

const deviceKey = (productKey: string, deviceName: string) => `${productKey}\u0000${deviceName}`;

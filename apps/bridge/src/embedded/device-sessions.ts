import type { AclRule } from '@iot/protocol';

/** What the bridge knows about one authenticated MQTT connection. */
export interface DeviceSession {
  productKey: string;
  deviceName: string;
  acl: readonly AclRule[];
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
    const key = deviceKey(session.productKey, session.deviceName);
    const clients = this.byDevice.get(key);
    clients?.delete(client);
    if (clients?.size === 0) this.byDevice.delete(key);
    return session;
  }

  clientsOf(productKey: string, deviceName: string): C[] {
    return [...(this.byDevice.get(deviceKey(productKey, deviceName)) ?? [])];
  }
}

const deviceKey = (productKey: string, deviceName: string) => `${productKey}\u0000${deviceName}`;

import { Inject, Injectable, Logger } from '@nestjs/common';
import { BridgeSignals, gatewayClientIdOf, type ConnectionEvent } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { GroupCommit } from '@iot/runtime';
import { DeviceLookup } from '../devices/device-lookup';
import { DeviceRepository, type ConnectionFacts } from '../devices/device.repository';
import { GatewayRepository } from '../gateways/gateway.repository';
import { onConnected, onDisconnected } from './connection-status';

/** Online/offline status from the brokers' connection events (protocol.md §1.8–1.9). */
@Injectable()
export class StatusService {
  private readonly logger = new Logger(StatusService.name);
  // The connects of a storm share statements; a device's events come one at a time, so never two per batch.
  private readonly connects = new GroupCommit<ConnectionFacts & { iotId: string }, boolean>(
    (connections) => this.devices.recordConnectedMany(connections),
    { maxBatch: 500, maxConcurrent: 2, keyOf: (c) => c.iotId },
  );

  constructor(
    @Inject(DeviceRepository) private readonly devices: DeviceRepository,
    @Inject(Bus) private readonly bus: Bus,
    @Inject(GatewayRepository) private readonly gateways: GatewayRepository,
    @Inject(DeviceLookup) private readonly lookup: DeviceLookup,
  ) {}

  async connected(event: ConnectionEvent): Promise<void> {
    const device = await this.lookup.find(event.productKey, event.deviceName);
    if (!device) return;
    const decision = onConnected(recorded(device), event);
    if (!decision.apply) return;
    if (decision.kickClientId) {
      this.logger.warn(
        `${event.productKey}/${event.deviceName}: new connection ${event.clientId} replaces ${decision.kickClientId} (same credentials)`,
      );
      this.bus.emit(BridgeSignals.kick, {
        productKey: event.productKey,
        deviceName: event.deviceName,
        clientId: decision.kickClientId,
        reason: 'replaced',
      });
    }
    await this.connects.submit({ ...facts(event), iotId: device.iotId });
  }

  async disconnected(event: ConnectionEvent): Promise<void> {
    const device = await this.lookup.find(event.productKey, event.deviceName);
    const gatewayClientId = gatewayClientIdOf(event.clientId);
    // A sub-device's session ends with its disconnect; a gateway's connection takes all its sessions along
    // (no other device carries any: its disconnect costs no statement here).
    if (device && gatewayClientId) await this.gateways.closeSessionOn(device.iotId, gatewayClientId);
    else if (device?.product.nodeType === 'gateway') await this.gateways.closeSessionsOn(event.clientId);
    if (!device || !onDisconnected(recorded(device), event)) return;
    await this.devices.recordDisconnected(device.iotId, event);
  }
}

function recorded(device: {
  status: 'inactive' | 'online' | 'offline';
  clientId: string | null;
  connectedAt: bigint | null;
}) {
  return {
    status: device.status,
    clientId: device.clientId,
    connectedAt: device.connectedAt === null ? null : Number(device.connectedAt),
  };
}

function facts(event: ConnectionEvent): ConnectionFacts {
  return { clientId: event.clientId, connectedAt: event.connectedAt, at: event.at, peerhost: event.peerhost };
}

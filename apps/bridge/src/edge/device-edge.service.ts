import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { DeviceEvents, type ConnectionEvent, type UplinkFamily, type UplinkMessage } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { parseDeviceTopic } from '@iot/protocol';
import { HealthRegistry } from '@iot/runtime';
import { randomUUID } from 'node:crypto';

/** A PUBLISH from a device, as either broker driver saw it. */
export interface InboundPublish {
  clientId: string;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  /** The broker's id for the message (EMQX); minted here when absent. Duplicates with one id are dropped. */
  messageId?: string;
  receivedAt: number;
  peerhost?: string;
}

/**
 * The device edge, shared by both broker drivers: classifies device messages by topic family and
 * puts them, and connection events, on JetStream. Stateless, so any number of bridges may run.
 */
@Injectable()
export class DeviceEdgeService {
  private readonly logger = new Logger(DeviceEdgeService.name);
  private readonly uplinks: Counter<'family'>;
  private readonly unroutable: Counter;

  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(HealthRegistry) health: HealthRegistry,
  ) {
    this.uplinks = new Counter({
      name: 'bridge_uplink_messages_total',
      help: 'Device messages put on the bus, by topic family',
      labelNames: ['family'],
      registers: [health.metrics],
    });
    this.unroutable = new Counter({
      name: 'bridge_uplink_unroutable_total',
      help: 'Device messages on topics outside every device topic family (dropped)',
      registers: [health.metrics],
    });
  }

  /** Resolves once the message is stored in JetStream; false when its topic belongs to no device. */
  async uplink(message: InboundPublish): Promise<boolean> {
    const parsed = parseDeviceTopic(message.topic);
    if (!parsed || parsed.family === 'error') {
      this.unroutable.inc();
      this.logger.debug(`dropping message on unroutable topic ${message.topic}`);
      return false;
    }
    const family: UplinkFamily = parsed.family;
    const uplink: UplinkMessage = {
      messageId: message.messageId ?? randomUUID(),
      productKey: parsed.productKey,
      deviceName: parsed.deviceName,
      family,
      topic: message.topic,
      payload: message.payload.toString('base64'),
      qos: message.qos,
      clientId: message.clientId,
      receivedAt: message.receivedAt,
      peerhost: message.peerhost,
    };
    await this.bus.publish(
      DeviceEvents.uplink,
      [family, parsed.productKey, parsed.deviceName],
      uplink,
      uplink.messageId,
    );
    this.uplinks.inc({ family });
    return true;
  }

  async connected(event: ConnectionEvent): Promise<void> {
    await this.connection({ ...event, type: 'connected' });
  }

  async disconnected(event: ConnectionEvent): Promise<void> {
    await this.connection({ ...event, type: 'disconnected' });
  }

  async subscribed(event: ConnectionEvent): Promise<void> {
    await this.bus.publish(DeviceEvents.connection, ['subscribed', event.productKey, event.deviceName], {
      ...event,
      type: 'subscribed',
    });
  }

  /** Deduped by connection and kind: a webhook delivered twice is stored once. */
  private async connection(event: ConnectionEvent): Promise<void> {
    await this.bus.publish(
      DeviceEvents.connection,
      [event.type, event.productKey, event.deviceName],
      event,
      `${event.type}:${event.clientId}:${event.connectedAt}`,
    );
  }
}

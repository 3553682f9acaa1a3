import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { connectionFilter, DeviceEvents, type ConnectionEvent } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { deltaOf } from '../document/shadow-document';
import { controlMessage } from '../document/shadow-messages';
import { SettingsRepository } from '../settings/settings.repository';
import { ShadowPublisher } from './shadow-publisher';
import { BatchedReads } from './batched-reads';

/** The device needs a moment after CONNACK to subscribe to `/shadow/get`: try again until it has. */
const RETRY_DELAYS_MS = [100, 250, 500, 1_000, 2_000, 4_000];

/**
 * Beyond the protocol: for products that ask for it, a device that reconnects with desired state it has
 * not reported yet gets the pending `control` without sending `get` — devices that forget to pull converge.
 */
@Injectable()
export class ControlOnConnectService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ControlOnConnectService.name);

  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(SettingsRepository) private readonly settings: SettingsRepository,
    @Inject(BatchedReads) private readonly reads: BatchedReads,
    @Inject(ShadowPublisher) private readonly publisher: ShadowPublisher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.consume(
      DeviceEvents.connection,
      { durable: 'shadow-control-on-connect', deliver: 'new', filter: connectionFilter('connected'), concurrency: 16 },
      (e) => this.onConnection(e),
    );
  }

  async onConnection(event: ConnectionEvent): Promise<void> {
    if (event.type !== 'connected' || Date.now() - event.at > 60_000) return;
    const { pushControlOnConnect } = await this.settings.get(event.productKey);
    if (!pushControlOnConnect) return;
    // Acknowledge the event at once; the pushes wait for the device's subscription in the background.
    void this.push(event.productKey, event.deviceName);
  }

  private async push(productKey: string, deviceName: string): Promise<void> {
    for (const delay of RETRY_DELAYS_MS) {
      try {
        const { document } = await this.reads.load({ productKey, deviceName });
        if (!deltaOf(document.state)) return;
        const { delivered } = await this.publisher.send(
          productKey,
          deviceName,
          controlMessage(document, Math.floor(Date.now() / 1000)),
        );
        if (delivered) return;
      } catch (error) {
        this.logger.warn(`control on connect for ${productKey}/${deviceName} failed: ${String(error)}`);
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

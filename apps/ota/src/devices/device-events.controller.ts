import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { deviceOfSubject, DeviceEvents, uplinkFilter, type UplinkMessage } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { parseDeviceTopic } from '@iot/protocol';
import { OTA_CONFIG, type OtaConfig } from '../config/ota.env';
import { RolloutService } from '../rollout/rollout.service';
import { parseProgress, parseVersionReport } from './ota-messages';
import { VersionsService } from './versions.service';

/** Connection events older than this are history (a consumer catching up), not a device to deliver to now. */
const FRESH_CONNECTION_MS = 60_000;

/**
 * Transport adapter: OTA messages of devices (inform, request, progress) and their connections, from JetStream
 * (durable: nothing reported while apps/ota is down is lost), one device at a time in order.
 */
@Injectable()
export class DeviceEventsController implements OnApplicationBootstrap {
  private readonly logger = new Logger(DeviceEventsController.name);

  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(VersionsService) private readonly versions: VersionsService,
    @Inject(RolloutService) private readonly rollout: RolloutService,
    @Inject(OTA_CONFIG) private readonly config: OtaConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const options = { concurrency: this.config.OTA_CONCURRENCY, partitionBy: deviceOfSubject };
    await this.bus.consume(
      DeviceEvents.uplink,
      { ...options, durable: 'ota-uplink', filter: uplinkFilter('ota') },
      (m) => this.route(m),
    );
    // Many devices in flight, so that a reconnect storm's lookups share statements (RolloutService batches them).
    const connections = { ...options, concurrency: Math.max(options.concurrency, 256), durable: 'ota-delivery' };
    await this.bus.consume(DeviceEvents.connection, connections, async (e) => {
      if (e.type === 'disconnected' || Date.now() - e.at > FRESH_CONNECTION_MS) return;
      await this.rollout.deviceReachable(e.productKey, e.deviceName);
    });
  }

  async route(m: UplinkMessage): Promise<void> {
    // The topic names the device (a gateway may report for its sub-devices).
    const topic = parseDeviceTopic(m.topic);
    if (topic?.family !== 'ota') return;
    const payload = Buffer.from(m.payload, 'base64');
    const { productKey, deviceName } = topic;
    if (topic.path === 'inform' || topic.path === 'request') {
      const version = parseVersionReport(payload);
      if (!version) return this.drop(m, 'no params.version');
      await this.versions.record(productKey, deviceName, version, m.receivedAt, m.messageId);
      await this.rollout.versionReported(productKey, deviceName, version, m.messageId);
    } else if (topic.path === 'progress') {
      const report = parseProgress(payload);
      if (!report) return this.drop(m, 'params.step is not 0…100 or −1…−4');
      await this.rollout.progressReported(productKey, deviceName, report, m.messageId);
    }
  }

  /** No reply topic exists for these messages (protocol.md §6.1): a malformed one can only be logged. */
  private drop(m: UplinkMessage, reason: string): void {
    this.logger.debug(`dropped ${m.topic} from ${m.clientId}: ${reason}`);
  }
}

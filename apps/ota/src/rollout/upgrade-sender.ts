import { Inject, Injectable } from '@nestjs/common';
import { BridgeRpc, type OtaSignMethod } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { topics } from '@iot/protocol';
import { OTA_CONFIG, type OtaConfig } from '../config/ota.env';
import { downloadUrl } from '../firmware/download-url';
import { FirmwareService } from '../firmware/firmware.service';
import type { Campaign, CampaignDevice } from '../generated/prisma/client';
import { upgradeMessage } from './upgrade-message';

/** Publishes `/ota/device/upgrade/{pk}/{dn}` through the bridge, with a fresh signed download URL. */
@Injectable()
export class UpgradeSender {
  private lastId = 0;

  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(FirmwareService) private readonly firmware: FirmwareService,
    @Inject(OTA_CONFIG) private readonly config: OtaConfig,
  ) {}

  /** Whether a subscription of the device (online, or a persistent session) took the message. */
  async send(job: CampaignDevice, campaign: Campaign, now: Date): Promise<boolean> {
    const fw = await this.firmware.require(campaign.firmwareId);
    // The URL outlives the device's deadline, so a slow device can still resume its download.
    const lifetimeSeconds = Math.max(this.config.OTA_URL_TTL_SECONDS, campaign.timeoutSeconds + 3600);
    const url = downloadUrl(
      this.config.OTA_PUBLIC_URL,
      this.config.urlSecret,
      fw.sha256,
      new Date(now.getTime() + lifetimeSeconds * 1000),
    );
    const message = upgradeMessage({
      id: this.nextId(now),
      size: Number(fw.size),
      version: fw.version,
      url,
      md5: fw.md5,
      sha256: fw.sha256,
      signMethod: campaign.signMethod as OtaSignMethod,
    });
    const { delivered } = await this.bus.request(BridgeRpc.publish, {
      topic: topics.otaUpgrade(job.productKey, job.deviceName),
      payload: Buffer.from(JSON.stringify(message)).toString('base64'),
      qos: 1,
    });
    return delivered;
  }

  /** A number, as in the seed's example (1507707025): epoch ms, increasing within this process. */
  private nextId(now: Date): number {
    this.lastId = Math.max(this.lastId + 1, now.getTime());
    return this.lastId;
  }
}

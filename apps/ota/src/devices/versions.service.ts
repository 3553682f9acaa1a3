import { Inject, Injectable } from '@nestjs/common';
import { OtaEvents } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { DeviceVersionRepository } from './device-version.repository';

/**
 * Keeps the version each device reports at start-up (protocol.md §6.3) and publishes it, so apps/auth shows it
 * as the device's `firmwareVersion` and rules can react.
 */
@Injectable()
export class VersionsService {
  constructor(
    @Inject(DeviceVersionRepository) private readonly versions: DeviceVersionRepository,
    @Inject(Bus) private readonly bus: Bus,
  ) {}

  async record(productKey: string, deviceName: string, version: string, at: number, eventId: string): Promise<void> {
    const previousVersion = await this.versions.record(productKey, deviceName, version, new Date(at));
    await this.bus.publish(
      OtaEvents.versionReported,
      [productKey, deviceName],
      { productKey, deviceName, version, previousVersion, reportedAt: at },
      `${eventId}:version`,
    );
  }
}

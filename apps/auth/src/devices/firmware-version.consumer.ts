import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { deviceOfSubject, OtaEvents } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { DeviceRepository } from './device.repository';

/**
 * Transport adapter: the versions devices report to apps/ota (`/ota/device/inform`) become the device's
 * `firmwareVersion` (protocol.md §6.3). Durable, so a version reported while apps/auth is down is not lost.
 */
@Injectable()
export class FirmwareVersionConsumer implements OnApplicationBootstrap {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(DeviceRepository) private readonly devices: DeviceRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const options = { durable: 'auth-firmware-version', concurrency: 16, partitionBy: deviceOfSubject };
    await this.bus.consume(OtaEvents.versionReported, options, async (e) => {
      // A device deleted since has nothing to update.
      await this.devices.setFirmwareVersion(e.productKey, e.deviceName, e.version);
    });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { GroupCommit } from '@iot/runtime';
import { DeviceRepository, type DeviceWithProduct } from './device.repository';

/** Most devices read in one statement. */
const MAX_BATCH = 500;

/**
 * Reads a device by name for the hot paths (every CONNECT, every connection event). Lookups made at the
 * same time share one statement, so a connect storm costs a few queries instead of one per device; a lone
 * lookup waits only for the end of the tick. Nothing is cached: every answer is read after it was asked
 * for (ADR 0010).
 */
@Injectable()
export class DeviceLookup {
  private readonly group: GroupCommit<{ productKey: string; deviceName: string }, DeviceWithProduct | undefined>;

  constructor(@Inject(DeviceRepository) devices: DeviceRepository) {
    this.group = new GroupCommit((keys) => devices.findManyWithProduct(keys), {
      maxBatch: MAX_BATCH,
      maxConcurrent: 2,
    });
  }

  find(productKey: string, deviceName: string): Promise<DeviceWithProduct | undefined> {
    return this.group.submit({ productKey, deviceName });
  }
}

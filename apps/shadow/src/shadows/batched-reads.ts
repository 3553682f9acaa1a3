import { Inject, Injectable } from '@nestjs/common';
import type { ShadowRef } from '@iot/contracts';
import { GroupCommit } from '@iot/runtime';
import { ShadowRepository, type LoadedShadow } from './shadow.repository';

/** Reads in one statement at most. */
const MAX_BATCH = 500;

/**
 * Shadow reads of many devices at once (a storm of devices coming back and pulling their shadow with `get`):
 * reads that arrive while one is running share the next statement. A lone read waits only for the tick.
 */
@Injectable()
export class BatchedReads {
  private readonly group = new GroupCommit<ShadowRef, LoadedShadow>((refs) => this.shadows.loadMany(refs), {
    maxBatch: MAX_BATCH,
    maxConcurrent: 2,
  });

  constructor(@Inject(ShadowRepository) private readonly shadows: ShadowRepository) {}

  load(ref: ShadowRef): Promise<LoadedShadow> {
    return this.group.submit({ productKey: ref.productKey, deviceName: ref.deviceName });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { ShadowRef } from '@iot/contracts';
import { GroupCommit } from '@iot/runtime';
import type { ShadowError } from '../document/shadow-errors';
import type { WriteRequest } from '../document/shadow-request';
import { planWrite, type WritePlan } from '../document/shadow-write';
import { ShadowRepository, type BatchWrite } from './shadow.repository';

export interface Write {
  ref: ShadowRef;
  request: WriteRequest;
  messageId?: string;
}

/** What became of a write's optimistic attempt; on `conflict` another writer got there first: read again. */
export type AttemptOutcome =
  | { outcome: 'saved'; plan: Extract<WritePlan, { ok: true }>; now: number }
  | { outcome: 'refused'; error: ShadowError }
  | { outcome: 'duplicate' }
  | { outcome: 'conflict' };

/** Writes in one flush at most; a flush is two statements whatever its size. */
const MAX_BATCH = 256;
/** Flushes in flight at once: one on the database while the next one fills. */
const MAX_CONCURRENT_FLUSHES = 2;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * The optimistic attempt of many shadow writes at once (group commit): every write that arrives while a
 * flush runs joins the next one, which reads all their shadows in one statement, plans each write, and
 * stores them all in one conditional statement (one commit). A device is in one flush at most once.
 * Under load this is what turns a thousand writes a second into a few dozen database round trips.
 */
@Injectable()
export class BatchedWrites {
  private readonly group = new GroupCommit<Write, AttemptOutcome>((writes) => this.flush(writes), {
    maxBatch: MAX_BATCH,
    maxConcurrent: MAX_CONCURRENT_FLUSHES,
    keyOf: (w) => `${w.ref.productKey}/${w.ref.deviceName}`,
  });

  constructor(@Inject(ShadowRepository) private readonly shadows: ShadowRepository) {}

  attempt(write: Write): Promise<AttemptOutcome> {
    return this.group.submit(write);
  }

  private async flush(writes: Write[]): Promise<AttemptOutcome[]> {
    const read = await this.shadows.loadMany(writes.map((w) => w.ref));
    const now = nowSeconds();
    const outcomes: AttemptOutcome[] = [];
    const toSave: { index: number; write: BatchWrite }[] = [];
    writes.forEach((w, index) => {
      const plan = planWrite(read[index], w.request, now);
      if (!plan.ok) {
        outcomes[index] = { outcome: 'refused', error: plan.error };
        return;
      }
      outcomes[index] = { outcome: 'saved', plan, now };
      toSave.push({ index, write: { ...w.ref, read: read[index], next: plan.next, messageId: w.messageId } });
    });
    const saved = await this.shadows.saveMany(toSave.map((s) => s.write));
    toSave.forEach(({ index }, i) => {
      if (saved[i] !== 'saved') outcomes[index] = { outcome: saved[i] };
    });
    return outcomes;
  }
}

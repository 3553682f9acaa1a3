import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  jetstream,
  jetstreamManager,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
} from '@nats-io/jetstream';
import { RULES_RETRY_STREAM, encodeSubjectToken } from '@iot/contracts';
import { Bus, encode } from '@iot/messaging';
import type { Delivery } from './delivery';

const NANOS_PER_MS = 1_000_000;

/**
 * Deliveries waiting for their next attempt, in a JetStream work queue (RULES_RETRIES): durable across
 * restarts of apps/rules, removed once acknowledged. Created here rather than through the Bus, whose
 * streams keep what they hold until it ages out.
 */
@Injectable()
export class RetryQueue implements OnModuleInit {
  private readonly js: JetStreamClient;

  constructor(@Inject(Bus) private readonly bus: Bus) {
    this.js = jetstream(bus.connection);
  }

  get streamName(): string {
    return this.bus.streamName(RULES_RETRY_STREAM);
  }

  get filter(): string {
    return this.bus.subject('rules.v1.retry.>');
  }

  async onModuleInit(): Promise<void> {
    const jsm = await jetstreamManager(this.bus.connection);
    const config = {
      name: this.streamName,
      subjects: RULES_RETRY_STREAM.subjects.map((s) => this.bus.subject(s)),
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      max_age: RULES_RETRY_STREAM.maxAgeSeconds * 1_000 * NANOS_PER_MS,
      duplicate_window: RULES_RETRY_STREAM.duplicateWindowSeconds * 1_000 * NANOS_PER_MS,
    };
    try {
      await jsm.streams.add(config);
    } catch (error) {
      // It exists (another replica, an earlier run): bring what may change up to date.
      if (!(error instanceof JetStreamApiError)) throw error;
      await jsm.streams.update(this.streamName, config);
    }
  }

  /** Stores a delivery for its next attempt; a repeat of the same attempt inside two minutes is dropped. */
  async schedule(delivery: Delivery): Promise<void> {
    const subject = this.bus.subject(`rules.v1.retry.${encodeSubjectToken(delivery.ruleId)}`);
    await this.js.publish(subject, encode(delivery), {
      msgID: `${delivery.key}/attempt-${delivery.attempt}`,
      timeout: 5_000,
    });
  }
}

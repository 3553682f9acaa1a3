import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  JetStreamApiError,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import { Bus, decode } from '@iot/messaging';
import { HealthRegistry } from '@iot/runtime';
import { RULES_CONFIG, type RulesConfig } from '../config/rules.env';
import type { Delivery } from './delivery';
import { DeliveryService } from './delivery.service';
import { RetryQueue } from './retry-queue';

const NANOS_PER_MS = 1_000_000;
const DURABLE = 'rules-retries';
/** Longer than any attempt (HTTP at most 30 s): an attempt in flight when a replica dies is redone after it. */
const ACK_WAIT_MS = 60_000;
/** When storing the next attempt or the dead letter itself failed (NATS or Postgres down). */
const HAND_OFF_RETRY_MS = 5_000;

/**
 * Takes deliveries from the retry queue when they are due (an early one goes back with the time left) and
 * makes the next attempt. Replicas share the durable consumer.
 */
@Injectable()
export class RetryConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetryConsumer.name);
  private messages?: ConsumerMessages;
  private readonly running = new Set<Promise<void>>();
  private loop?: Promise<void>;
  private consuming = false;

  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(RetryQueue) private readonly queue: RetryQueue,
    @Inject(DeliveryService) private readonly delivery: DeliveryService,
    @Inject(RULES_CONFIG) private readonly config: RulesConfig,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await jetstreamManager(this.bus.connection);
    const config = {
      durable_name: DURABLE,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.queue.filter,
      // Attempts are counted in the delivery itself: waiting for the due time is not an attempt.
      max_deliver: -1,
      ack_wait: ACK_WAIT_MS * NANOS_PER_MS,
      max_ack_pending: 10_000,
    };
    try {
      await jsm.consumers.add(this.queue.streamName, config);
    } catch (error) {
      if (!(error instanceof JetStreamApiError)) throw error;
      await jsm.consumers.update(this.queue.streamName, DURABLE, {
        ack_wait: config.ack_wait,
        max_ack_pending: config.max_ack_pending,
        max_deliver: config.max_deliver,
      });
    }
    const consumer = await jetstream(this.bus.connection).consumers.get(this.queue.streamName, DURABLE);
    this.messages = await consumer.consume({ max_messages: Math.max(64, this.config.RULES_RETRY_CONCURRENCY * 2) });
    this.consuming = true;
    this.health.register('retries', () => this.consuming);
    this.loop = this.run(this.messages).finally(() => (this.consuming = false));
  }

  /** Stops taking retries and lets the attempts in flight finish, before the bus connection closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.messages?.close();
    await this.loop;
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        const p = this.handle(m).finally(() => this.running.delete(p));
        this.running.add(p);
        if (this.running.size >= this.config.RULES_RETRY_CONCURRENCY) await Promise.race(this.running);
      }
    } catch (error) {
      this.logger.error(`retry consumer stopped: ${String(error)}`);
    }
    await Promise.allSettled([...this.running]);
  }

  private async handle(m: JsMsg): Promise<void> {
    let delivery: Delivery;
    try {
      delivery = decode<Delivery>(m.data);
    } catch (error) {
      // Not ours to retry forever: keep it in the log and let it go.
      this.logger.error(`unreadable retry ${m.seq} dropped: ${String(error)}`);
      m.term();
      return;
    }
    const wait = delivery.notBefore - Date.now();
    if (wait > 0) {
      m.nak(wait);
      return;
    }
    try {
      await this.delivery.attempt(delivery);
      m.ack();
    } catch (error) {
      this.logger.warn(`retry of ${delivery.key} not handed off, again in ${HAND_OFF_RETRY_MS} ms: ${String(error)}`);
      m.nak(HAND_OFF_RETRY_MS);
    }
  }
}

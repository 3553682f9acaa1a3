import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Counter } from 'prom-client';
import { DeviceEvents, ShadowEvents, TslEvents, type EventContract } from '@iot/contracts';
import { Bus, type EventMeta } from '@iot/messaging';
import { HealthRegistry } from '@iot/runtime';
import { RULES_CONFIG, type RulesConfig } from '../config/rules.env';
import { RuleEngine } from '../delivery/rule-engine';
import type { RuleMessage } from '../sql/rule-message';
import {
  fromConnection,
  fromDownlinkReply,
  fromEventPosted,
  fromPropertiesPosted,
  fromShadowChange,
  fromUplink,
} from './source-topics';

/** Longer than a first attempt can take (HTTP at most 30 s), so a slow target does not cause redeliveries. */
const ACK_WAIT_MS = 60_000;

/**
 * Identifies a source message across redeliveries: the broker's message id when there is one, else a
 * digest of the event (the same event published twice is the same message).
 */
function sourceKey(meta: EventMeta, payload: unknown): string {
  if (meta.messageId) return meta.messageId;
  return createHash('sha256').update(meta.subject).update('\n').update(JSON.stringify(payload)).digest('base64url');
}

/**
 * One durable consumer per source (the raw uplinks, connection events, shadow changes and each kind of
 * thing-model event). A source message is acknowledged once the rule engine has handed off every delivery.
 */
@Injectable()
export class SourcesConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(SourcesConsumer.name);
  private readonly received: Counter<'source'>;

  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(RuleEngine) private readonly engine: RuleEngine,
    @Inject(RULES_CONFIG) private readonly config: RulesConfig,
    @Inject(HealthRegistry) health: HealthRegistry,
  ) {
    this.received = new Counter({
      name: 'rules_source_messages_total',
      help: 'Messages the rules engine read, by source',
      labelNames: ['source'],
      registers: [health.metrics],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all([
      this.source('uplink', DeviceEvents.uplink, (m) => fromUplink(m)),
      this.source('connection', DeviceEvents.connection, fromConnection),
      this.source('shadow', ShadowEvents.changed, fromShadowChange),
      this.source('tsl-properties', TslEvents.propertiesPosted, fromPropertiesPosted),
      this.source('tsl-events', TslEvents.eventPosted, fromEventPosted),
      this.source('tsl-downlink-replies', TslEvents.downlinkReply, fromDownlinkReply),
    ]);
  }

  private source<T, Tokens extends readonly string[]>(
    name: string,
    contract: EventContract<T, Tokens>,
    toMessage: (event: T, messageId: string) => RuleMessage | undefined,
  ): Promise<void> {
    return this.bus.consume(
      contract,
      {
        durable: `rules-${name}`,
        concurrency: this.config.RULES_CONCURRENCY,
        ackWaitMs: ACK_WAIT_MS,
        // Only a failed hand-off (NATS or Postgres down) fails a handler: keep trying, never drop.
        maxDeliver: -1,
      },
      async (event, meta) => {
        this.received.inc({ source: name });
        const key = sourceKey(meta, event);
        let message: RuleMessage | undefined;
        try {
          message = toMessage(event, key);
        } catch (error) {
          // A malformed event would fail every redelivery: report it and let it go.
          this.logger.error(`${name} event ${meta.subject} skipped, it is not well-formed: ${String(error)}`);
          return;
        }
        if (message) await this.engine.handle(message, key);
      },
    );
  }
}

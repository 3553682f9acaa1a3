import { Inject, Injectable } from '@nestjs/common';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { NatsAction } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { natsSubjectProblem } from '../../rules/rule-definition';
import { renderTemplate } from '../template';
import type { ActionContext } from './action-context';

/**
 * Publishes on the operator's subject, as given: never prefixed with the platform's bus namespace, which
 * isolates the platform's own traffic, not the integrations it feeds. Core NATS: a success once the
 * server has the message (a flush round trip, shared by the publishes made meanwhile). JetStream: once the
 * stream has stored it, deduplicated by the delivery key.
 */
@Injectable()
export class NatsActionRunner {
  private readonly js: JetStreamClient;
  private pendingFlush?: Promise<void>;

  constructor(@Inject(Bus) private readonly bus: Bus) {
    this.js = jetstream(bus.connection);
  }

  async run(action: NatsAction, output: unknown, context: ActionContext): Promise<void> {
    const subject = renderTemplate(action.subject, output);
    // A placeholder's value can make an invalid subject, or one of the platform's (`${x}` = "uplink").
    const problem = natsSubjectProblem(subject);
    if (problem) throw new Error(`${JSON.stringify(subject)} is not a subject for a rule: ${problem}`);
    // Buffer.from takes small strings from a shared pool: less garbage than TextEncoder at this rate.
    const data = Buffer.from(JSON.stringify(output));
    // One header, for subscribers to drop repeats: `<source message>/<rule id>/<action index>`.
    const headers = natsHeaders();
    headers.set('Rule-Delivery-Key', context.deliveryKey);
    if (action.jetstream) {
      await this.js.publish(subject, data, { msgID: context.deliveryKey, headers, timeout: 5_000 });
      return;
    }
    this.bus.connection.publish(subject, data, { headers });
    await this.flushSoon();
  }

  /** One PING for every publish made before it goes out: the PONG proves the server has them all. */
  private flushSoon(): Promise<void> {
    this.pendingFlush ??= Promise.resolve().then(() => {
      this.pendingFlush = undefined;
      return this.bus.connection.flush();
    });
    return this.pendingFlush;
  }
}

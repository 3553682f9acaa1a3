import { Inject, Injectable } from '@nestjs/common';
import { BridgeRpc, type RepublishAction } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { isValidTopicName } from '@iot/protocol';
import { renderTemplate } from '../template';

/**
 * Republishes to a device topic through apps/bridge. The broker taking the message is the success: a
 * device that is offline without a persistent session misses it, as with any MQTT publish.
 */
@Injectable()
export class RepublishActionRunner {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  async run(action: RepublishAction, output: unknown): Promise<void> {
    const topic = renderTemplate(action.topic, output);
    if (!isValidTopicName(topic)) throw new Error(`${JSON.stringify(topic)} is not a topic name`);
    await this.bus.request(
      BridgeRpc.publish,
      { topic, payload: Buffer.from(JSON.stringify(output)).toString('base64'), qos: action.qos ?? 1 },
      { timeoutMs: 5_000 },
    );
  }
}

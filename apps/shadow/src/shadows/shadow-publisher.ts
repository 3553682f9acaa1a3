import { Inject, Injectable } from '@nestjs/common';
import { BridgeRpc, type DownlinkReply } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { topics } from '@iot/protocol';

/** Sends replies and controls to a device on `/shadow/get/{pk}/{dn}`, QoS 1 (protocol.md §2.2). */
@Injectable()
export class ShadowPublisher {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  send(productKey: string, deviceName: string, message: unknown): Promise<DownlinkReply> {
    return this.bus.request(BridgeRpc.publish, {
      topic: topics.shadowGet(productKey, deviceName),
      payload: Buffer.from(JSON.stringify(message)).toString('base64'),
      qos: 1,
    });
  }
}

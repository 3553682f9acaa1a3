import { Inject, Injectable } from '@nestjs/common';
import { BridgeRpc, type DownlinkReply } from '@iot/contracts';
import { Bus } from '@iot/messaging';

/** Publishes to a device through the bridge. */
@Injectable()
export class DeviceLink {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  sendJson(topic: string, message: unknown, qos: 0 | 1 = 1): Promise<DownlinkReply> {
    return this.send(topic, Buffer.from(JSON.stringify(message)).toString('base64'), qos);
  }

  send(topic: string, payloadBase64: string, qos: 0 | 1): Promise<DownlinkReply> {
    return this.bus.request(BridgeRpc.publish, { topic, payload: payloadBase64, qos });
  }
}

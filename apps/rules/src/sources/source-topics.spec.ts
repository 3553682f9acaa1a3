import { describe, expect, it } from 'vitest';
import type { ConnectionEvent, UplinkMessage } from '@iot/contracts';
import {
  fromConnection,
  fromDownlinkReply,
  fromEventPosted,
  fromPropertiesPosted,
  fromShadowChange,
  fromUplink,
  isThingModelPost,
} from './source-topics';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

function uplink(topic: string, payload: string | Buffer): UplinkMessage {
  return {
    messageId: 'm1',
    productKey: 'pk',
    deviceName: 'dn',
    family: 'custom',
    topic,
    payload: b64(payload),
    qos: 1,
    clientId: 'pk.dn|securemode=3|',
    receivedAt: 1000,
    peerhost: '10.0.0.1',
  };
}

describe('rule sources', () => {
  it.each([
    ['/sys/pk/dn/thing/event/property/post', true],
    ['/sys/pk/dn/thing/event/alarm/post', true],
    ['/sys/pk/dn/thing/event/property/post_reply', false],
    ['/sys/pk/dn/thing/service/property/set_reply', false],
    ['/sys/pk/dn/thing/downlink/reply/message', false],
    ['/pk/dn/user/update', false],
  ])('%s comes from apps/tsl instead of the raw uplink: %s', (topic, expected) => {
    expect(isThingModelPost(topic)).toBe(expected);
    expect(fromUplink(uplink(topic, '{}')) === undefined).toBe(expected);
  });

  it('an uplink keeps its topic, JSON payload and device context', () => {
    expect(fromUplink(uplink('/pk/dn/user/update', '{"temperature":39}'))).toEqual({
      topic: '/pk/dn/user/update',
      payload: { temperature: 39 },
      raw: Buffer.from('{"temperature":39}'),
      productKey: 'pk',
      deviceName: 'dn',
      messageId: 'm1',
      clientId: 'pk.dn|securemode=3|',
      clientIp: '10.0.0.1',
      receivedAt: 1000,
    });
  });

  it.each([
    ['binary', Buffer.from([0xff, 0x00, 0x13])],
    ['text', 'hello'],
    ['empty', ''],
  ])('a %s uplink has no fields but keeps its bytes', (_, body) => {
    const message = fromUplink(uplink('/ota/device/progress/pk/dn', body))!;
    expect(message.payload).toBeUndefined();
    expect(Buffer.from(message.raw)).toEqual(Buffer.from(body));
  });

  it('OTA progress is read from the raw uplink', () => {
    const message = fromUplink(uplink('/ota/device/progress/pk/dn', '{"id":1,"params":{"step":"50","desc":""}}'))!;
    expect(message.topic).toBe('/ota/device/progress/pk/dn');
    expect(message.payload).toEqual({ id: 1, params: { step: '50', desc: '' } });
  });

  const connection = (type: ConnectionEvent['type']): ConnectionEvent => ({
    type,
    productKey: 'pk',
    deviceName: 'dn',
    clientId: 'c1',
    connectedAt: 500,
    at: 900,
    peerhost: '10.0.0.1',
    keepalive: 60,
    reason: type === 'disconnected' ? 'tcp_closed' : undefined,
  });

  it.each([
    ['connected', { status: 'online', lastTime: 500, keepalive: 60 }],
    ['disconnected', { status: 'offline', reason: 'tcp_closed' }],
  ] as const)('a %s event is /sys/{pk}/{dn}/thing/lifecycle', (type, fields) => {
    const message = fromConnection(connection(type), 'key')!;
    expect(message.topic).toBe('/sys/pk/dn/thing/lifecycle');
    expect(message.payload).toMatchObject({
      productKey: 'pk',
      deviceName: 'dn',
      clientId: 'c1',
      clientIp: '10.0.0.1',
      time: 900,
      ...fields,
    });
    expect(message).toMatchObject({ messageId: 'key', clientIp: '10.0.0.1', receivedAt: 900 });
    expect(JSON.parse(Buffer.from(message.raw).toString())).toEqual(message.payload);
  });

  it('subscription notices are not lifecycle', () => {
    expect(fromConnection(connection('subscribed'), 'key')).toBeUndefined();
  });

  it("a validated property post has Alibaba's forwarded shape: items with value and time", () => {
    const message = fromPropertiesPosted(
      {
        productKey: 'pk',
        deviceName: 'dn',
        items: { Power: 'on', WF: 23.6 },
        times: { Power: 1524448722000 },
        requestId: '7',
        receivedAt: 2000,
      },
      'key',
    );
    expect(message.topic).toBe('/sys/pk/dn/thing/event/property/post');
    expect(message.payload).toEqual({
      requestId: '7',
      productKey: 'pk',
      deviceName: 'dn',
      gmtCreate: 2000,
      items: { Power: { value: 'on', time: 1524448722000 }, WF: { value: 23.6, time: 2000 } },
    });
  });

  it('a validated event post is /sys/{pk}/{dn}/thing/event/{identifier}/post', () => {
    const message = fromEventPosted(
      {
        productKey: 'pk',
        deviceName: 'dn',
        identifier: 'Error',
        type: 'error',
        output: { code: 3 },
        time: 1500,
        requestId: '8',
        receivedAt: 2000,
      },
      'key',
    );
    expect(message.topic).toBe('/sys/pk/dn/thing/event/Error/post');
    expect(message.payload).toEqual({
      identifier: 'Error',
      type: 'error',
      requestId: '8',
      productKey: 'pk',
      deviceName: 'dn',
      gmtCreate: 2000,
      time: 1500,
      value: { code: 3 },
    });
  });

  it('a downlink reply is the data-exchange topic with the protocol.md §8.2 payload', () => {
    const message = fromDownlinkReply(
      {
        productKey: 'pk',
        deviceName: 'dn',
        commandId: 'cmd-1',
        topic: '/sys/pk/dn/thing/service/property/set_reply',
        reply: { id: 123, code: 200, data: { Power: 'on' } },
        receivedAt: 3000,
      },
      'key',
    );
    expect(message.topic).toBe('/sys/pk/dn/thing/downlink/reply/message');
    expect(message.payload).toEqual({
      gmtCreate: 3000,
      productKey: 'pk',
      deviceName: 'dn',
      requestId: '123',
      commandId: 'cmd-1',
      topic: '/sys/pk/dn/thing/service/property/set_reply',
      code: 200,
      message: null,
      data: { Power: 'on' },
    });
  });

  it('a reply that is not an Alink object is the data', () => {
    const message = fromDownlinkReply(
      { productKey: 'pk', deviceName: 'dn', topic: '/t', reply: 'raw text', receivedAt: 1 },
      'key',
    );
    expect(message.payload).toMatchObject({ requestId: null, code: null, data: 'raw text', commandId: null });
  });

  it('a shadow change is /shadow/update/{pk}/{dn}/accepted', () => {
    const message = fromShadowChange(
      {
        productKey: 'pk',
        deviceName: 'dn',
        version: 4,
        source: 'application',
        method: 'update',
        state: { desired: { c: 'green' } },
        timestamp: 1700,
      },
      'key',
    );
    expect(message.topic).toBe('/shadow/update/pk/dn/accepted');
    expect(message.payload).toEqual({
      method: 'update',
      source: 'application',
      version: 4,
      state: { desired: { c: 'green' } },
      timestamp: 1700,
      productKey: 'pk',
      deviceName: 'dn',
    });
    expect(message.receivedAt).toBe(1_700_000);
  });
});

import { describe, expect, it } from 'vitest';
import { emqxFixture as fixture } from '../../../../test/integration/emqx/emqx-test-kit';
import { mapEmqxEvent, peerhostOf } from './emqx-events';

const PK = 'a1B2c3D4e5';
const DN = 'dev-0001';
const CLIENT_ID = 'dev-0001|securemode=3,signmethod=hmacsha1,timestamp=1717000000000|';
const ALINK = '{"id":"1","version":"1.0","params":{"temp":21.5},"method":"thing.event.property.post"}';
const PROPERTY_POST = `/sys/${PK}/${DN}/thing/event/property/post`;

describe('mapEmqxEvent: message.publish', () => {
  it.each([
    {
      name: 'message-publish-raw',
      form: 'SELECT * (payload as a string, metadata.rule_id)',
      publish: {
        clientId: CLIENT_ID,
        topic: PROPERTY_POST,
        payload: Buffer.from(ALINK),
        qos: 1,
        messageId: '0006175D2F3A1B2CF4450000034C0001',
        receivedAt: 1717000000123,
        peerhost: '203.0.113.7',
      },
    },
    {
      name: 'message-publish-projected',
      form: 'projected, payload_b64, "username":"undefined" (identity from client_attrs)',
      publish: {
        clientId: CLIENT_ID,
        topic: PROPERTY_POST,
        payload: Buffer.from(ALINK),
        qos: 0,
        messageId: '0006175D2F3A1B2CF4450000034C0002',
        receivedAt: 1717000000223,
        peerhost: '203.0.113.7',
      },
    },
    {
      name: 'message-publish-projected-binary',
      form: 'projected, non-UTF-8 payload, empty client_attrs (identity from the username), IPv6',
      publish: {
        clientId: CLIENT_ID,
        topic: `/sys/${PK}/${DN}/thing/model/up_raw`,
        payload: Buffer.from([0x01, 0x00, 0x00, 0x00, 0x2a, 0xff, 0xfe, 0x80]),
        qos: 1,
        messageId: '0006175D2F3A1B2CF4450000034C0003',
        receivedAt: 1717000000323,
        peerhost: '2001:db8::7',
      },
    },
  ])('$name — $form', ({ name, publish }) => {
    expect(mapEmqxEvent(fixture(name))).toEqual({
      kind: 'publish',
      device: { productKey: PK, deviceName: DN, gateway: false },
      publish,
    });
  });

  it('falls back to timestamp when publish_received_at is absent, and to peername for the peer', () => {
    const body = { ...fixture('message-publish-raw'), publish_received_at: undefined, peerhost: 'undefined' };
    const mapped = mapEmqxEvent(body);
    expect(mapped).toMatchObject({ kind: 'publish', publish: { receivedAt: 1717000000124, peerhost: '203.0.113.7' } });
  });

  it('keeps an empty payload', () => {
    const mapped = mapEmqxEvent({ ...fixture('message-publish-projected'), payload_b64: '' });
    expect(mapped).toMatchObject({ kind: 'publish', publish: { payload: Buffer.alloc(0) } });
  });

  it('keeps a device payload that reads "undefined" (only metadata fields are normalised)', () => {
    const mapped = mapEmqxEvent({ ...fixture('message-publish-raw'), payload: 'undefined' });
    expect(mapped).toMatchObject({ kind: 'publish', publish: { payload: Buffer.from('undefined') } });
  });
});

describe('mapEmqxEvent: connection events', () => {
  const connectedV3 = {
    type: 'connected',
    productKey: PK,
    deviceName: DN,
    clientId: CLIENT_ID,
    connectedAt: 1717000000001,
    at: 1717000000003,
    peerhost: '203.0.113.7',
    keepalive: 60,
    cleanSession: true,
  };

  it.each([
    { name: 'client-connected-v3', event: connectedV3 },
    {
      name: 'client-connected-v5',
      event: { ...connectedV3, keepalive: 300, cleanSession: false, peerhost: '2001:db8::7' },
    },
    {
      name: 'client-connected-v3-new-session',
      event: {
        ...connectedV3,
        connectedAt: 1717000300000,
        at: 1717000300004,
        cleanSession: false,
        peerhost: '198.51.100.9',
      },
    },
  ])('$name', ({ name, event }) => {
    expect(mapEmqxEvent(fixture(name))).toEqual({
      kind: 'connected',
      event,
      device: { productKey: PK, deviceName: DN, gateway: false },
    });
  });

  it.each([
    ['normal', 1717000095000],
    ['keepalive_timeout', 1717000095000],
    ['tcp_closed', 1717000095000],
    ['kicked', 1717000095000],
    ['discarded', 1717000300002],
    ['takenover', 1717000300002],
    ['not_authorized', 1717000095000],
  ])('client.disconnected with reason %s keeps the connected_at of the closed connection', (reason, at) => {
    expect(mapEmqxEvent(fixture(`client-disconnected-${reason}`))).toEqual({
      kind: 'disconnected',
      device: { productKey: PK, deviceName: DN, gateway: false },
      event: {
        type: 'disconnected',
        productKey: PK,
        deviceName: DN,
        clientId: CLIENT_ID,
        connectedAt: 1717000000001,
        at,
        peerhost: '203.0.113.7',
        reason,
      },
    });
  });

  it('identifies a token-login device (username = iotId) by its client_attrs', () => {
    const body = { ...fixture('client-connected-v3'), username: 'iot-7Hq2Lx9Rk3' };
    expect(mapEmqxEvent(body)).toMatchObject({ kind: 'connected', event: { productKey: PK, deviceName: DN } });
  });

  it('falls back to the username when client_attrs is absent ("undefined")', () => {
    const body = { ...fixture('client-disconnected-normal'), client_attrs: 'undefined' };
    expect(mapEmqxEvent(body)).toMatchObject({ kind: 'disconnected', event: { productKey: PK, deviceName: DN } });
  });
});

describe('mapEmqxEvent: ignored', () => {
  it.each([
    ['session-subscribed', /session\.subscribed is not forwarded/],
    ['message-delivered', /message\.delivered is not forwarded/],
    ['message-acked', /message\.acked is not forwarded/],
    ['message-dropped', /message\.dropped is not forwarded/],
    ['message-publish-http-api', /REST API/],
    ['client-connected-non-device', /mqttx_5f3a2b1c is not a device/],
  ])('%s', (name, reason) => {
    const mapped = mapEmqxEvent(fixture(name));
    expect(mapped.kind).toBe('ignored');
    expect(mapped.kind === 'ignored' && mapped.reason).toMatch(reason);
  });

  it('a disconnect of a non-device client', () => {
    const body = { ...fixture('client-disconnected-normal'), username: 'undefined', client_attrs: {} };
    expect(mapEmqxEvent(body).kind).toBe('ignored');
  });
});

describe('mapEmqxEvent: invalid bodies never throw', () => {
  const publish = fixture('message-publish-projected');
  const disconnected = fixture('client-disconnected-normal');
  it.each([
    ['not an object', 'hello', /JSON object/],
    ['null', null, /JSON object/],
    ['an array', [publish], /JSON object/],
    ['no event', { ...publish, event: undefined }, /^event:/],
    ['publish without id', { ...publish, id: undefined }, /message\.publish: id:/],
    ['publish without payload', { ...publish, payload_b64: undefined }, /payload_b64/],
    ['publish with bad base64', { ...publish, payload_b64: 'not base64!' }, /payload_b64/],
    ['publish with qos 3', { ...publish, qos: 3 }, /qos/],
    [
      'publish without any time',
      { ...publish, publish_received_at: undefined, timestamp: undefined },
      /publish_received_at/,
    ],
    ['publish with a string topic missing', { ...publish, topic: '' }, /topic/],
    ['disconnect without connected_at', { ...disconnected, connected_at: 'undefined' }, /connected_at/],
    ['disconnect without reason', { ...disconnected, reason: undefined }, /reason/],
    ['connect with a string keepalive', { ...fixture('client-connected-v3'), keepalive: '60' }, /keepalive/],
    ['connect with a float connected_at', { ...fixture('client-connected-v3'), connected_at: 1.5 }, /connected_at/],
  ])('%s', (_name, body, error) => {
    const mapped = mapEmqxEvent(body);
    expect(mapped.kind).toBe('invalid');
    expect(mapped.kind === 'invalid' && mapped.error).toMatch(error);
  });
});

describe('peerhostOf', () => {
  it.each([
    ['203.0.113.7:52344', '203.0.113.7'],
    ['2001:db8::7:52344', '2001:db8::7'],
    ['::ffff:203.0.113.7:1883', '::ffff:203.0.113.7'],
    ['[2001:db8::7]:52344', '2001:db8::7'],
    ['203.0.113.7', '203.0.113.7'],
    [undefined, undefined],
  ])('%s → %s', (peername, host) => {
    expect(peerhostOf(peername)).toBe(host);
  });
});

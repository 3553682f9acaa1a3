import { describe, expect, it } from 'vitest';
import { CONNACK, hmacHex, mqttSignContent } from '@iot/protocol';
import type { AuthConfig } from '../config/auth.env';
import type { DevicesService } from '../devices/devices.service';
import type { Device } from '../generated/prisma/client';
import { sha256Hex } from '../secrets/identifiers';
import { AuthenticationService } from './authentication.service';
import type { TokenRepository } from './token.repository';

const SECRET = '0123456789abcdef0123456789abcdef';
const device = (over: Partial<Device> = {}): Device =>
  ({
    iotId: 'iot-1',
    productKey: 'a1PRODUCT01',
    deviceName: 'lamp-1',
    disabled: false,
    product: { nodeType: 'device' },
    ...over,
  }) as Device;

function service(found: Device | undefined, token?: { iotId: string; token: string; device: Device }) {
  const devices = {
    findWithSecret: (pk: string, dn: string) =>
      Promise.resolve(
        found && found.productKey === pk && found.deviceName === dn ? { device: found, secret: SECRET } : undefined,
      ),
  };
  const tokens = {
    findDevice: (iotId: string, hash: string) =>
      Promise.resolve(
        token && token.iotId === iotId && sha256Hex(token.token) === hash
          ? { device: token.device, expiresAt: TOKEN_EXPIRES_AT }
          : undefined,
      ),
  };
  const config = { MQTT_SIGN_REGION_IDS: ['cn-shanghai'] } as AuthConfig;
  return new AuthenticationService(devices as unknown as DevicesService, tokens as unknown as TokenRepository, config);
}

const TOKEN_EXPIRES_AT = new Date('2026-12-01T10:00:00.750Z');

const signed = (over: { secret?: string; clientId?: string; keepalive?: number; username?: string } = {}) => ({
  clientId: over.clientId ?? 'c1|securemode=3,signmethod=hmacsha256,timestamp=1|',
  username: over.username ?? 'lamp-1&a1PRODUCT01',
  password: hmacHex(
    'hmacsha256',
    over.secret ?? SECRET,
    mqttSignContent({ clientId: 'c1', deviceName: 'lamp-1', productKey: 'a1PRODUCT01', timestamp: '1' }),
  ),
  keepalive: over.keepalive ?? 60,
});

describe('AuthenticationService.authenticate: check order and CONNACK codes', () => {
  it.each([
    ['valid signature', device(), signed(), CONNACK.accepted],
    ['keepalive 29 is checked before anything else', undefined, signed({ keepalive: 29 }), CONNACK.identifierRejected],
    ['keepalive 1201', device(), signed({ keepalive: 1201 }), CONNACK.identifierRejected],
    ['clientId without its extension', device(), signed({ clientId: 'c1' }), CONNACK.identifierRejected],
    ['unknown device', undefined, signed(), CONNACK.badCredentials],
    ['wrong secret', device(), signed({ secret: 'f'.repeat(32) }), CONNACK.badCredentials],
    ['disabled device with a correct signature', device({ disabled: true }), signed(), CONNACK.notAuthorized],
    ['no & in username and no token', device(), signed({ username: 'iot-1' }), CONNACK.serverUnavailable],
  ])('%s → CONNACK %#', async (_, found, request, code) => {
    const reply = await service(found).authenticate(request);
    expect(reply.returnCode).toBe(code);
    expect(reply.allowed).toBe(code === CONNACK.accepted);
    expect(reply.acl.length > 0).toBe(code === CONNACK.accepted);
  });

  it('allows a live iotToken and names the device', async () => {
    const d = device();
    const reply = await service(undefined, { iotId: 'iot-1', token: 'tok', device: d }).authenticate({
      clientId: 'x',
      username: 'iot-1',
      password: 'tok',
    });
    expect(reply).toMatchObject({
      allowed: true,
      returnCode: 0,
      device: { productKey: d.productKey, deviceName: d.deviceName, iotId: 'iot-1' },
      expiresAt: TOKEN_EXPIRES_AT.getTime(),
    });
    const wrong = await service(undefined, { iotId: 'iot-1', token: 'tok', device: d }).authenticate({
      clientId: 'x',
      username: 'iot-1',
      password: 'nope',
    });
    expect(wrong.returnCode).toBe(CONNACK.serverUnavailable);
    const disabled = await service(undefined, {
      iotId: 'iot-1',
      token: 'tok',
      device: device({ disabled: true }),
    }).authenticate({ clientId: 'x', username: 'iot-1', password: 'tok' });
    expect(disabled.returnCode).toBe(CONNACK.notAuthorized);
    expect(disabled.expiresAt).toBeUndefined();
  });

  it('a signed CONNECT carries no expiry (the device secret does not expire)', async () => {
    expect((await service(device()).authenticate(signed())).expiresAt).toBeUndefined();
  });
});

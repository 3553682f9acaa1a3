import { connect as tcpConnect } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { describe, expect, inject, it } from 'vitest';
import { ApiClient, signedConnectOptions, waitFor, type DeviceIdentity } from '@iot/testing';

const platform = inject('platform');
const api = new ApiClient(platform.baseUrl, platform.apiKey);

describe('keepalive (protocol.md §1.8, TF-14)', () => {
  it(
    'drops a device silent for more than 1.5 × keepalive, at most 30 s later, and marks it offline',
    { timeout: 120_000 },
    async () => {
      const { productKey } = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'keepalive' });
      const device = await api.ok<DeviceIdentity>('POST', `/v1/products/${productKey}/devices`, {});
      const options = signedConnectOptions(device, { keepalive: 30 });
      const { port } = new URL(platform.mqttUrl);
      // A raw socket: after CONNECT it sends nothing at all, not even PINGREQ.
      const socket = tcpConnect(Number(port), '127.0.0.1');
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      let connackCode: number | undefined;
      parser.on('packet', (packet) => {
        if (packet.cmd === 'connack') connackCode = packet.returnCode;
      });
      socket.on('data', (chunk) => parser.parse(chunk));
      let closedAt: number | undefined;
      socket.on('close', () => (closedAt = Date.now()));
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: true,
          clientId: options.clientId as string,
          username: options.username,
          password: Buffer.from(options.password as string),
          keepalive: 30,
        }),
      );
      await waitFor(() => connackCode !== undefined, { what: 'CONNACK' });
      const connectedAt = Date.now();
      expect(connackCode).toBe(0);
      await waitFor(() => closedAt !== undefined, {
        what: 'the broker closing the silent connection',
        timeoutMs: 80_000,
        intervalMs: 250,
      });
      const silentFor = (closedAt as number) - connectedAt;
      expect(silentFor).toBeGreaterThanOrEqual(44_000);
      expect(silentFor).toBeLessThanOrEqual(75_000);
      await waitFor(
        async () =>
          (await api.ok<{ status: string }>('GET', `/v1/products/${productKey}/devices/${device.deviceName}`))
            .status === 'offline',
        { what: 'offline' },
      );
    },
  );
});

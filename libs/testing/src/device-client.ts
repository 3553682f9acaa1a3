import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { hmacHex, mqttSignContent, type SignMethod } from '@iot/protocol';

export interface DeviceIdentity {
  productKey: string;
  deviceName: string;
  deviceSecret: string;
}

/** CONNECT fields signed as protocol.md §1.3 describes. */
export function signedConnectOptions(
  device: DeviceIdentity,
  options: { clientId?: string; signMethod?: SignMethod; timestamp?: string; keepalive?: number; clean?: boolean } = {},
): IClientOptions {
  const clientId = options.clientId ?? `${device.deviceName}-${Math.random().toString(36).slice(2, 8)}`;
  const signMethod = options.signMethod ?? 'hmacsha256';
  const timestamp = options.timestamp ?? String(Date.now());
  const content = mqttSignContent({
    clientId,
    deviceName: device.deviceName,
    productKey: device.productKey,
    timestamp,
  });
  return {
    clientId: `${clientId}|securemode=3,signmethod=${signMethod},timestamp=${timestamp}|`,
    username: `${device.deviceName}&${device.productKey}`,
    password: hmacHex(signMethod, device.deviceSecret, content),
    keepalive: options.keepalive ?? 60,
    clean: options.clean ?? true,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  };
}

export type ConnectOutcome =
  { ok: true; client: MqttClient } | { ok: false; returnCode: number | undefined; error: Error };

/** Connects once (no automatic reconnect) and reports the CONNACK outcome. */
export function connectMqtt(url: string, options: IClientOptions): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, ...options });
    const onError = (error: Error & { code?: number }) => {
      client.removeListener('connect', onConnect);
      client.end(true);
      resolve({ ok: false, returnCode: typeof error.code === 'number' ? error.code : undefined, error });
    };
    const onConnect = () => {
      client.removeListener('error', onError);
      resolve({ ok: true, client });
    };
    client.once('connect', onConnect);
    client.once('error', onError);
  });
}

/** Connects and fails the test when the broker refuses. */
export async function connectDevice(url: string, options: IClientOptions): Promise<MqttClient> {
  const outcome = await connectMqtt(url, options);
  if (!outcome.ok) throw new Error(`CONNECT refused (${outcome.returnCode ?? '?'}): ${outcome.error.message}`);
  return outcome.client;
}

/** Subscribes and returns the SUBACK return codes, 0x80 (128) included (mqtt.js rejects on those). */
export async function subscribeGranted(client: MqttClient, topics: string[], qos: 0 | 1 = 1): Promise<number[]> {
  try {
    const granted = await client.subscribeAsync(topics, { qos });
    return granted.map((g) => g.qos);
  } catch (error) {
    const packet = (error as { packet?: { granted?: number[] } }).packet;
    if (packet?.granted) return packet.granted.map((g) => (typeof g === 'number' ? g : (g as { qos: number }).qos));
    throw error;
  }
}

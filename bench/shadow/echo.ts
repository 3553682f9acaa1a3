/**
 * The baseline of the shadow bench: the "platform" reduced to an MQTT client on a bare broker. It
 * subscribes to every device's `/shadow/update/+/+` at QoS 1 and answers each update on
 * `/shadow/get/{pk}/{dn}` at QoS 1 with the reply the platform would send (version counted per device,
 * clientToken echoed): the broker's share of a shadow round trip, with nothing behind it.
 * argv[2]: the bare broker's URL. Tells its parent when it is subscribed; stops on SIGTERM.
 */
import mqtt from 'mqtt';

export interface EchoReady {
  subscribed: true;
}

interface Update {
  clientToken?: string;
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('echo runs as a child process (fork) of the shadow bench');
  const url = process.argv[2];
  const client = await mqtt.connectAsync(url, {
    clientId: `shadow-echo-${process.pid}`,
    clean: true,
    keepalive: 120,
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
  // Nagle off, as on the platform's sockets (see load-generator.ts).
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const versions = new Map<string, number>();
  client.on('message', (topic, payload) => {
    // /shadow/update/{pk}/{dn}
    const [, , , productKey, deviceName] = topic.split('/');
    let update: Update;
    try {
      update = JSON.parse(payload.toString()) as Update;
    } catch {
      return;
    }
    const key = `${productKey}/${deviceName}`;
    const version = (versions.get(key) ?? 0) + 1;
    versions.set(key, version);
    const reply = {
      method: 'reply',
      payload: { status: 'success', version },
      timestamp: Math.floor(Date.now() / 1000),
      ...(update.clientToken ? { clientToken: update.clientToken } : {}),
    };
    client.publish(`/shadow/get/${productKey}/${deviceName}`, JSON.stringify(reply), { qos: 1 });
  });
  client.on('error', (error) => process.stderr.write(`echo: ${error.message}\n`));
  await client.subscribeAsync('/shadow/update/+/+', { qos: 1 });
  const ready: EchoReady = { subscribed: true };
  process.send(ready);
  const stop = () => client.end(false, {}, () => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`echo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

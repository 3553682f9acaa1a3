/**
 * `npm start`: the whole platform in the foreground, stopped cleanly by SIGINT/SIGTERM.
 * Reads HTTP_PORT, MQTT_PORT, MQTT_WS_PORT, DEVICE_HTTP_PORT, DATABASE_URL, NATS_URL, MQTT_SESSIONS_REDIS_URL
 * (default redis://127.0.0.1:6379; empty keeps MQTT sessions in memory), IOT_API_KEY,
 * IOT_SECRET_KEY (docs: ../shared/design/API.md). A secret key and an API key are generated on the first
 * run and kept in .data/ when not given.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchPlatform, type AppName } from './platform';

const root =
  [resolve(__dirname, '..'), resolve(__dirname, '..', '..')].find((d) => existsSync(join(d, 'package.json'))) ?? '.';

function persisted(name: string, create: () => string): string {
  const dir = join(root, '.data');
  const file = join(dir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = create();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

async function main(): Promise<void> {
  // A signal during start-up stops the apps already spawned instead of leaving them behind.
  const startup = new AbortController();
  const abortStartup = () => startup.abort();
  process.once('SIGINT', abortStartup);
  process.once('SIGTERM', abortStartup);
  const colors = ['36', '35', '33', '32', '34', '31', '37'];
  const apps: AppName[] = [];
  const platform = await launchPlatform({
    ports: {
      http: port('HTTP_PORT', 3000),
      mqtt: port('MQTT_PORT', 1883),
      mqttWs: port('MQTT_WS_PORT', 8083),
      deviceHttp: port('DEVICE_HTTP_PORT', 8085),
      auth: port('AUTH_HTTP_PORT', 3012),
      shadow: port('SHADOW_HTTP_PORT', 3013),
      tsl: port('TSL_HTTP_PORT', 3014),
      ota: port('OTA_HTTP_PORT', 3015),
      rules: port('RULES_HTTP_PORT', 3016),
    },
    databaseUrl: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/iot',
    natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    secretKey: process.env.IOT_SECRET_KEY ?? persisted('secret.key', () => randomBytes(32).toString('hex')),
    apiKey: process.env.IOT_API_KEY ?? persisted('api.key', () => `ak_${randomBytes(24).toString('hex')}`),
    busNamespace: process.env.BUS_NAMESPACE ?? '',
    mqttSessionsRedisUrl: process.env.MQTT_SESSIONS_REDIS_URL ?? 'redis://127.0.0.1:6379',
    abort: startup.signal,
    logLevel: process.env.LOG_LEVEL ?? 'info',
    output: (app, line) => {
      if (!apps.includes(app)) apps.push(app);
      const color = colors[apps.indexOf(app) % colors.length];
      process.stdout.write(`\x1b[${color}m${app.padEnd(6)}\x1b[0m ${line}\n`);
    },
    onCrash: (app, code) => {
      process.stderr.write(`${app} exited (code ${code}); stopping the platform\n`);
      void platform.stop().then(() => process.exit(1));
    },
  });
  process.removeListener('SIGINT', abortStartup);
  process.removeListener('SIGTERM', abortStartup);
  const { ports, apiKey } = platform.options;
  process.stdout.write(
    [
      '',
      'IoT platform is up:',
      `  applications' API   http://127.0.0.1:${ports.http}   (OpenAPI: /docs, key: ${apiKey})`,
      `  MQTT                mqtt://127.0.0.1:${ports.mqtt}`,
      `  MQTT over WebSocket ws://127.0.0.1:${ports.mqttWs}/mqtt`,
      `  device HTTP         http://127.0.0.1:${ports.deviceHttp}   (/auth/devicename, /auth/register/device)`,
      '',
    ].join('\n') + '\n',
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping the platform\n`);
    void platform.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { freePorts } from '@iot/testing';
import { launchPlatform, type AppName, type RunningPlatform } from '../../scripts/platform';

/** What a test needs to reach a running platform. */
export interface PlatformUnderTest {
  baseUrl: string;
  mqttUrl: string;
  mqttWsUrl: string;
  deviceHttpUrl: string;
  apiKey: string;
  natsUrl: string;
  busNamespace: string;
}

export interface TestPlatform {
  info: PlatformUnderTest;
  running: RunningPlatform;
  /** Stops every app and deletes the run's JetStream streams. */
  stop(): Promise<void>;
}

/**
 * Starts the whole platform from dist/: every app its own process, on free ports, with a NATS namespace
 * of its own (a developer's platform on the same NATS server is not disturbed), against the test database.
 */
export async function startTestPlatform(
  options: { replicas?: Partial<Record<AppName, number>>; extraEnv?: Record<string, string> } = {},
): Promise<TestPlatform> {
  const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/iot_test';
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  for (const command of ['ensure-database', 'migrate']) {
    execFileSync(process.execPath, ['dist/scripts/db.js', command], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: 'pipe',
    });
  }
  const busNamespace = `t${randomBytes(4).toString('hex')}`;
  // MQTT sessions in Redis, as `npm start` keeps them (apps/bridge, MQTT_SESSIONS_REDIS_URL).
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const [http, mqtt, mqttWs, deviceHttp, auth, shadow, tsl, ota, rules] = await freePorts(9);
  const ports = { http, mqtt, mqttWs, deviceHttp, auth, shadow, tsl, ota, rules };
  const logs: string[] = [];
  const running = await launchPlatform({
    ports,
    databaseUrl,
    natsUrl,
    secretKey: randomBytes(32).toString('hex'),
    apiKey: `ak_test_${randomBytes(16).toString('hex')}`,
    busNamespace,
    mqttSessionsRedisUrl: redisUrl,
    logLevel: process.env.PLATFORM_LOG_LEVEL ?? 'warn',
    replicas: options.replicas,
    extraEnv: options.extraEnv,
    output: (app, line) => {
      logs.push(`${app} ${line}`);
      if (logs.length > 500) logs.shift();
      if (process.env.PLATFORM_LOGS) process.stderr.write(`[${app}] ${line}\n`);
    },
    onCrash: (app, code) =>
      process.stderr.write(`platform app ${app} exited with ${code}\n${logs.slice(-40).join('\n')}\n`),
  }).catch((error: unknown) => {
    process.stderr.write(`${logs.slice(-60).join('\n')}\n`);
    throw error;
  });
  return {
    running,
    info: {
      baseUrl: running.baseUrl,
      mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`,
      mqttWsUrl: `ws://127.0.0.1:${ports.mqttWs}/mqtt`,
      deviceHttpUrl: `http://127.0.0.1:${ports.deviceHttp}`,
      apiKey: running.options.apiKey,
      natsUrl,
      busNamespace,
    },
    stop: async () => {
      await running.stop();
      const nc = await connect({ servers: natsUrl });
      const jsm = await jetstreamManager(nc);
      for await (const name of jsm.streams.names()) {
        if (name.startsWith(`${busNamespace.toUpperCase()}_`)) await jsm.streams.delete(name);
      }
      await nc.close();
      await deleteRedisKeys(redisUrl, `iot:${busNamespace}:mqtt:*`);
    },
  };
}

/** The run's MQTT sessions, gone from the shared Redis. */
async function deleteRedisKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url);
  try {
    for await (const keys of redis.scanStream({ match: pattern, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { TestProject } from 'vitest/node';
import { freePorts } from '@iot/testing';
import { launchPlatform, type RunningPlatform } from '../../scripts/platform';

export interface PlatformUnderTest {
  baseUrl: string;
  mqttUrl: string;
  mqttWsUrl: string;
  deviceHttpUrl: string;
  apiKey: string;
  natsUrl: string;
  busNamespace: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    platform: PlatformUnderTest;
  }
}

let platform: RunningPlatform | undefined;

/**
 * Starts the whole platform once for the end-to-end tests: every app as its own process, on free ports,
 * with a bus namespace of its own (so a developer's running platform on the same NATS is not disturbed).
 */
export async function setup(project: TestProject): Promise<void> {
  const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/iot_test';
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  for (const command of ['ensure-database', 'migrate']) {
    execFileSync(process.execPath, ['dist/scripts/db.js', command], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: 'pipe',
    });
  }
  const busNamespace = `t${randomBytes(4).toString('hex')}`;
  const [http, mqtt, mqttWs, deviceHttp, auth, shadow, tsl, ota, rules] = await freePorts(9);
  const ports = { http, mqtt, mqttWs, deviceHttp, auth, shadow, tsl, ota, rules };
  const logs: string[] = [];
  platform = await launchPlatform({
    ports,
    databaseUrl,
    natsUrl,
    secretKey: randomBytes(32).toString('hex'),
    apiKey: `ak_test_${randomBytes(16).toString('hex')}`,
    busNamespace,
    logLevel: process.env.PLATFORM_LOG_LEVEL ?? 'warn',
    output: (app, line) => {
      logs.push(`${app} ${line}`);
      if (process.env.PLATFORM_LOGS) process.stderr.write(`[${app}] ${line}\n`);
    },
    onCrash: (app, code) =>
      process.stderr.write(`platform app ${app} exited with ${code}\n${logs.slice(-40).join('\n')}\n`),
  }).catch((error: unknown) => {
    process.stderr.write(`${logs.slice(-60).join('\n')}\n`);
    throw error;
  });
  project.provide('platform', {
    baseUrl: platform.baseUrl,
    mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`,
    mqttWsUrl: `ws://127.0.0.1:${ports.mqttWs}/mqtt`,
    deviceHttpUrl: `http://127.0.0.1:${ports.deviceHttp}`,
    apiKey: platform.options.apiKey,
    natsUrl,
    busNamespace,
  });
}

export async function teardown(): Promise<void> {
  await platform?.stop();
  if (!platform) return;
  // The run's streams are of no use to anyone once it is over.
  const nc = await connect({ servers: platform.options.natsUrl });
  const jsm = await jetstreamManager(nc);
  const prefix = `${platform.options.busNamespace?.toUpperCase()}_`;
  for await (const name of jsm.streams.names()) {
    if (name.startsWith(prefix)) await jsm.streams.delete(name);
  }
  await nc.close();
}

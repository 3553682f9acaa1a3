import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { StreamSpec } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { ApiClient, freePorts, waitFor } from '@iot/testing';
import { APPS, launchPlatform, type AppName, type RunningPlatform } from '../../scripts/platform';
import { childProcesses, type WatchedProcess } from './cpu';
import { repoRoot } from './report';

export interface BenchPlatformOptions {
  /** Default: $BENCH_DATABASE_URL, else a database of its own (`iot_bench`), so benches never bloat the test database. */
  databaseUrl?: string;
  natsUrl?: string;
  logLevel?: string;
  extraEnv?: Record<string, string>;
  /** Profile these apps from their start (see cpu-profiler-preload.ts); profiles land in `dir` on writeCpuProfiles(). */
  cpuProfile?: { dir: string; apps: readonly AppName[] };
}

export interface BenchPlatform {
  platform: RunningPlatform;
  api: ApiClient;
  mqttUrl: string;
  /** The platform's database (the bench's own, see {@link BenchPlatformOptions.databaseUrl}). */
  databaseUrl: string;
  busNamespace: string;
  nats: NatsConnection;
  jsm: JetStreamManager;
  /** The run's (namespaced) name of a stream. */
  streamName(spec: StreamSpec): string;
  /** The app processes of this run, one group per app, for CPU accounting. */
  processes(): WatchedProcess[];
  /** Writes the CPU profiles of the apps started with `cpuProfile` and returns their paths. */
  writeCpuProfiles(): Promise<Map<AppName, string>>;
  /** The last lines the apps wrote, for a failure report. */
  recentLogs(): string[];
  /** Stops the apps, deletes the run's streams and closes the bench's NATS connection. */
  stop(): Promise<void>;
}

const LOG_LINES_KEPT = 200;

/**
 * Starts the whole platform from dist/ as `npm start` would, on free ports and with a bus namespace of
 * its own (a developer's platform or a test run on the same NATS is not disturbed), after creating and
 * migrating its database.
 */
export async function startBenchPlatform(options: BenchPlatformOptions = {}): Promise<BenchPlatform> {
  const databaseUrl =
    options.databaseUrl ?? process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/iot_bench';
  const natsUrl = options.natsUrl ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  for (const command of ['ensure-database', 'migrate']) {
    execFileSync(process.execPath, [join(repoRoot, 'dist', 'scripts', 'db.js'), command], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: 'pipe',
    });
  }
  const busNamespace = `b${randomBytes(4).toString('hex')}`;
  const [http, mqtt, mqttWs, deviceHttp, auth, shadow, tsl, ota, rules] = await freePorts(9);
  const ports = { http, mqtt, mqttWs, deviceHttp, auth, shadow, tsl, ota, rules };
  const extraEnv = { ...options.extraEnv };
  if (options.cpuProfile) {
    const preload = join(repoRoot, 'dist', 'bench', 'lib', 'cpu-profiler-preload.js');
    if (!existsSync(preload)) throw new Error(`${preload} is missing: run \`npm run build\` first`);
    extraEnv.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require "${preload}"`.trim();
    extraEnv.BENCH_CPU_PROFILE_DIR = options.cpuProfile.dir;
    extraEnv.BENCH_CPU_PROFILE_APPS = options.cpuProfile.apps.join(',');
  }
  const logs: string[] = [];
  const keep = (line: string) => {
    logs.push(line);
    if (logs.length > LOG_LINES_KEPT) logs.shift();
  };
  const platform = await launchPlatform({
    ports,
    databaseUrl,
    natsUrl,
    secretKey: randomBytes(32).toString('hex'),
    apiKey: `ak_bench_${randomBytes(16).toString('hex')}`,
    busNamespace,
    logLevel: options.logLevel ?? 'warn',
    extraEnv,
    output: (app, line) => {
      keep(`[${app}] ${line}`);
      if (process.env.PLATFORM_LOGS) process.stderr.write(`[${app}] ${line}\n`);
    },
    onCrash: (app, code) =>
      process.stderr.write(`platform app ${app} exited with ${code}\n${logs.slice(-40).join('\n')}\n`),
  }).catch((error: unknown) => {
    process.stderr.write(`${logs.slice(-60).join('\n')}\n`);
    throw error;
  });
  const nats = await connect({ servers: natsUrl });
  const bus = new Bus(nats, busNamespace);
  const appOf = (cmdline: string): AppName | undefined => {
    const app = /dist\/apps\/([a-z]+)\/src\/main\.js/.exec(cmdline)?.[1];
    return APPS.find((a) => a === app);
  };
  const processes = () => childProcesses(process.pid, appOf);
  const jsm = await jetstreamManager(nats);
  return {
    platform,
    api: new ApiClient(platform.baseUrl, platform.options.apiKey),
    mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`,
    databaseUrl,
    busNamespace,
    nats,
    jsm,
    streamName: (spec) => bus.streamName(spec),
    processes,
    writeCpuProfiles: async () => {
      if (!options.cpuProfile) throw new Error('the platform was started without cpuProfile');
      const { dir, apps } = options.cpuProfile;
      const paths = new Map<AppName, string>();
      for (const group of processes().filter((g) => apps.some((a) => a === g.name))) {
        const [pid] = group.pids();
        const path = join(dir, `${pid}.cpuprofile`);
        // The preload's signal: one the apps' Nest shutdown hooks ignore, so they keep running after.
        process.kill(pid, 'SIGWINCH');
        await waitFor(() => existsSync(path), { timeoutMs: 30_000, what: `CPU profile of ${group.name}` });
        paths.set(group.name as AppName, path);
      }
      return paths;
    },
    recentLogs: () => [...logs],
    stop: async () => {
      await platform.stop();
      const prefix = `${busNamespace.toUpperCase()}_`;
      for await (const name of jsm.streams.names()) {
        if (name.startsWith(prefix)) await jsm.streams.delete(name);
      }
      await nats.close();
    },
  };
}

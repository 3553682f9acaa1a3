/**
 * Runs the whole platform on one machine: one process per app (as in production), the embedded broker
 * inside apps/bridge. Used by `npm start` (scripts/launch.ts) and by the end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const APPS = ['auth', 'bridge', 'api', 'shadow', 'tsl', 'ota', 'rules'] as const;
export type AppName = (typeof APPS)[number];

export interface PlatformPorts {
  http: number;
  mqtt: number;
  mqttWs: number;
  deviceHttp: number;
  auth: number;
  shadow: number;
  tsl: number;
  ota: number;
  rules: number;
}

export interface PlatformOptions {
  ports: PlatformPorts;
  databaseUrl: string;
  natsUrl: string;
  secretKey: string;
  apiKey: string;
  busNamespace?: string;
  /** The embedded broker's persistent sessions in this Redis (`redis://…`); in memory when absent. */
  mqttSessionsRedisUrl?: string;
  logLevel?: string;
  /** Where app output goes; prefixed with the app's name. */
  output?: (app: AppName, line: string) => void;
  /** Called when an app exits while the platform is meant to be running. */
  onCrash?: (app: AppName, code: number | null) => void;
  extraEnv?: Record<string, string>;
  /** Stops the platform while it is still starting (a SIGINT during start-up). */
  abort?: AbortSignal;
  /** Processes per app (default 1); extra replicas serve health on a port of the OS's choosing. */
  replicas?: Partial<Record<AppName, number>>;
}

export interface RunningPlatform {
  options: PlatformOptions;
  baseUrl: string;
  stop(): Promise<void>;
  /** Stops every process of one app (SIGTERM): for outage tests. */
  stopApp(app: AppName): Promise<void>;
  /** Starts an app stopped by {@link stopApp} and waits until the platform is ready again. */
  startApp(app: AppName): Promise<void>;
  /** Stops every process, starts them all again, and waits until the platform is ready. */
  restartAll(): Promise<void>;
}

const root =
  [resolve(__dirname, '..'), resolve(__dirname, '..', '..')].find((d) => existsSync(join(d, 'package.json'))) ?? '.';

export function appEnv(options: PlatformOptions): NodeJS.ProcessEnv {
  const { ports } = options;
  return {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'production',
    NODE_NO_WARNINGS: '1',
    DATABASE_URL: options.databaseUrl,
    NATS_URL: options.natsUrl,
    BUS_NAMESPACE: options.busNamespace ?? '',
    LOG_LEVEL: options.logLevel ?? 'info',
    IOT_SECRET_KEY: options.secretKey,
    IOT_API_KEY: options.apiKey,
    HTTP_PORT: String(ports.http),
    MQTT_PORT: String(ports.mqtt),
    MQTT_WS_PORT: String(ports.mqttWs),
    DEVICE_HTTP_PORT: String(ports.deviceHttp),
    AUTH_HTTP_PORT: String(ports.auth),
    SHADOW_HTTP_PORT: String(ports.shadow),
    TSL_HTTP_PORT: String(ports.tsl),
    OTA_HTTP_PORT: String(ports.ota),
    RULES_HTTP_PORT: String(ports.rules),
    BRIDGE_DRIVER: 'embedded',
    MQTT_SESSIONS_REDIS_URL: options.mqttSessionsRedisUrl ?? '',
    ...options.extraEnv,
  };
}

export async function launchPlatform(options: PlatformOptions, readyTimeoutMs = 60_000): Promise<RunningPlatform> {
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  let starting = true;
  let failStartup: (error: Error) => void = () => undefined;
  const startupFailure = new Promise<never>((_, reject) => (failStartup = reject));
  startupFailure.catch(() => undefined);

  const start = (app: AppName) => {
    for (let replica = 0; replica < (options.replicas?.[app] ?? 1); replica++) startProcess(app, replica);
  };

  const startProcess = (app: AppName, replica: number) => {
    const entry = join(root, 'dist', 'apps', app, 'src', 'main.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
    const env = appEnv(options);
    if (replica > 0) env[`${app.toUpperCase()}_HTTP_PORT`] = '0';
    const child = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => options.output?.(app, line));
    }
    const key = `${app}#${replica}`;
    child.once('exit', (code) => {
      if (children.get(key) === child) children.delete(key);
      if (stopping || child.killed) return;
      if (starting) failStartup(new Error(`${app} exited with code ${code} while the platform was starting`));
      else options.onCrash?.(app, code);
    });
    children.set(key, child);
  };

  const stopApp = async (app: AppName) => {
    await Promise.all([...children.keys()].filter((k) => k.startsWith(`${app}#`)).map(stopProcess));
  };

  const stopProcess = (key: string) =>
    new Promise<void>((resolveStop) => {
      const child = children.get(key);
      if (!child || child.exitCode !== null) return resolveStop();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolveStop();
      });
      child.kill('SIGTERM');
    });

  const stop = async () => {
    stopping = true;
    await Promise.all([...children.keys()].map(stopProcess));
  };

  for (const app of APPS) start(app);
  options.abort?.addEventListener('abort', () => failStartup(new Error('start-up aborted')), { once: true });
  const baseUrl = `http://127.0.0.1:${options.ports.http}`;
  try {
    await Promise.race([waitForReady(baseUrl, readyTimeoutMs), startupFailure]);
  } catch (error) {
    await stop();
    throw error;
  }
  starting = false;
  return {
    options,
    baseUrl,
    stop,
    stopApp,
    startApp: async (app) => {
      start(app);
      await waitForReady(baseUrl, readyTimeoutMs);
    },
    restartAll: async () => {
      await Promise.all([...children.keys()].map(stopProcess));
      for (const app of APPS) start(app);
      await waitForReady(baseUrl, readyTimeoutMs);
    },
  };
}

export async function waitForReady(baseUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(3_000) });
      if (res.status === 200) return;
      last = await res.text();
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`platform not ready after ${timeoutMs} ms: ${last}`);
}

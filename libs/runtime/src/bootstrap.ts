import { type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigError } from './config';

export interface RunOptions {
  module: Type<unknown> | DynamicModule;
  port: number;
  host?: string;
  /** Extra set-up before listening (OpenAPI, pipes...). */
  configure?: (app: INestApplication) => void | Promise<void>;
}

/**
 * Boots one app: its Nest module, structured logs, graceful shutdown on SIGINT/SIGTERM, HTTP listener.
 * A configuration error is printed plainly and ends the process with code 78 (EX_CONFIG).
 */
export async function runApp(options: () => RunOptions): Promise<INestApplication> {
  let app: INestApplication | undefined;
  try {
    const opts = options();
    app = await NestFactory.create(opts.module, { bufferLogs: true, abortOnError: false });
    app.useLogger(app.get(Logger));
    app.enableShutdownHooks();
    await opts.configure?.(app);
    await app.listen(opts.port, opts.host ?? '0.0.0.0');
    return app;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(
      `failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await app?.close().catch(() => undefined);
    process.exit(1);
  }
}

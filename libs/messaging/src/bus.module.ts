import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Bus } from './bus';
import { coalesceWrites } from './coalesced-writes';

/** Connection trouble (disconnects, reconnects, slow-consumer errors) in the app's log. */
async function logStatus(connection: NatsConnection, name: string): Promise<void> {
  const logger = new Logger(`Bus:${name}`);
  for await (const status of connection.status()) {
    if (status.type === 'ping' || status.type === 'update') continue;
    logger.warn(`NATS ${status.type}${'data' in status && status.data ? `: ${JSON.stringify(status.data)}` : ''}`);
  }
}

export interface BusOptions {
  servers: string;
  /** Prefix of every subject and stream; empty in production. */
  namespace: string;
  /** Connection name shown by the NATS server (the app's name). */
  name: string;
}

export const BUS_OPTIONS = Symbol('BUS_OPTIONS');

/** Provides one {@link Bus} per app, connected before the app starts and drained when it stops. */
@Global()
@Module({})
export class BusModule implements OnApplicationShutdown {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  static forRoot(options: BusOptions): DynamicModule {
    return {
      module: BusModule,
      providers: [
        { provide: BUS_OPTIONS, useValue: options },
        {
          provide: Bus,
          useFactory: async () => {
            const connection = await connect({
              servers: options.servers.split(','),
              name: options.name,
              maxReconnectAttempts: -1,
              reconnectTimeWait: 500,
              // Without this the client builds an Error (for its stack) on every request; ~10% of the bridge's CPU.
              noAsyncTraces: true,
            });
            if (!coalesceWrites(connection))
              new Logger(`Bus:${options.name}`).warn('NATS client internals changed: writes not coalesced');
            void logStatus(connection, options.name);
            return new Bus(connection, options.namespace);
          },
        },
      ],
      exports: [Bus],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

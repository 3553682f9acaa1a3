import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { connectionFilter, deviceOfSubject, DeviceEvents, TslRpc } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { CommandsService } from './commands.service';

const EXPIRY_SWEEP_MS = 2_000;

/**
 * Transport adapter: command requests (bus RPC); deliveries triggered by a device connecting or
 * subscribing (JetStream connection events); and the sweep that expires what waited past its TTL.
 */
@Injectable()
export class CommandsController implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CommandsController.name);
  private sweeper?: NodeJS.Timeout;

  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(CommandsService) private readonly commands: CommandsService,
  ) {}

  onModuleInit(): void {
    this.bus.serve(TslRpc.setProperties, (r) => this.commands.setProperties(r));
    this.bus.serve(TslRpc.invokeService, (r) => this.commands.invokeService(r));
    this.bus.serve(TslRpc.sendMessage, (r) => this.commands.sendMessage(r));
    this.bus.serve(TslRpc.getCommand, (r) => this.commands.get(r.commandId));
    this.bus.serve(TslRpc.cancelCommand, (r) => this.commands.cancel(r.commandId));
  }

  async onApplicationBootstrap(): Promise<void> {
    // Persistent sessions keep their subscriptions: deliver at connect. A clean session has none yet: deliver
    // when it subscribes.
    // Many devices in flight, so that their flushes share queries (CommandsService batches them).
    const options = { concurrency: 256, partitionBy: deviceOfSubject };
    await this.bus.consume(
      DeviceEvents.connection,
      { ...options, durable: 'tsl-delivery-connected', filter: connectionFilter('connected') },
      async (e) => {
        if (e.cleanSession === false) await this.commands.flush(e.productKey, e.deviceName);
      },
    );
    await this.bus.consume(
      DeviceEvents.connection,
      { ...options, durable: 'tsl-delivery-subscribed', filter: connectionFilter('subscribed') },
      (e) => this.commands.flush(e.productKey, e.deviceName),
    );
    this.sweeper = setInterval(() => void this.sweep(), EXPIRY_SWEEP_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  private async sweep(): Promise<void> {
    try {
      await this.commands.expire();
    } catch (error) {
      this.logger.warn(`expiry sweep failed: ${String(error)}`);
    }
  }
}

import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { BROKER_DRIVER, type BrokerDriver } from './broker-driver';

/** Starts the broker driver once every handler is registered, and stops it first on shutdown. */
@Injectable()
export class BrokerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(BROKER_DRIVER) private readonly broker: BrokerDriver) {}

  onApplicationBootstrap(): Promise<void> {
    return this.broker.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.broker.stop();
  }
}

import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DeviceEvents } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { StatusService } from './status.service';

/** Transport adapter: connection events from JetStream (durable, so none is missed while auth is down). */
@Injectable()
export class StatusConsumer implements OnApplicationBootstrap {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(StatusService) private readonly status: StatusService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.consume(DeviceEvents.connection, { durable: 'auth-status' }, (e) =>
      e.type === 'connected' ? this.status.connected(e) : this.status.disconnected(e),
    );
  }
}

import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DeviceEvents, deviceOfSubject } from '@iot/contracts';
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
    // One device's events in order (connects, disconnects; subscribe events are skipped), devices in parallel:
    // many at once, so that their device lookups share statements (DeviceLookup).
    const options = {
      durable: 'auth-status',
      concurrency: 256,
      partitionBy: deviceOfSubject,
    };
    await this.bus.consume(DeviceEvents.connection, options, async (e) => {
      if (e.type === 'connected') await this.status.connected(e);
      else if (e.type === 'disconnected') await this.status.disconnected(e);
    });
  }
}

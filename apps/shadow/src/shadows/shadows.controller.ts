import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { deviceOfSubject, DeviceEvents, ShadowRpc, uplinkFilter } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { SHADOW_CONFIG, type ShadowConfig } from '../config/shadow.env';
import { ShadowsService } from './shadows.service';

/**
 * Transport adapter: shadow requests of applications (bus RPC) and of devices (JetStream, durable: an
 * update the broker accepted while this service was down is applied when it is back). One device's
 * messages are handled in order; different devices in parallel.
 */
@Injectable()
export class ShadowsController implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(ShadowsService) private readonly shadows: ShadowsService,
    @Inject(SHADOW_CONFIG) private readonly config: ShadowConfig,
  ) {}

  onModuleInit(): void {
    this.bus.serve(ShadowRpc.get, (r) => this.shadows.get(r));
    this.bus.serve(ShadowRpc.update, (r) => this.shadows.updateFromApplication(r));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.consume(
      DeviceEvents.uplink,
      {
        durable: 'shadow-device-requests',
        filter: uplinkFilter('shadow'),
        concurrency: this.config.SHADOW_CONCURRENCY,
        partitionBy: deviceOfSubject,
      },
      (message) => this.shadows.onDeviceMessage(message),
    );
  }
}

import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AuthRpc, TslRpc } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { TelemetryRepository } from './telemetry.repository';

/** Transport adapter: queries of property values, history, events and dropped values (device must exist). */
@Injectable()
export class TelemetryController implements OnModuleInit {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(TelemetryRepository) private readonly telemetry: TelemetryRepository,
  ) {}

  onModuleInit(): void {
    this.bus.serve(TslRpc.latestProperties, async (r) => {
      await this.requireDevice(r);
      return this.telemetry.latest(r.productKey, r.deviceName);
    });
    this.bus.serve(TslRpc.propertyHistory, async (r) => {
      await this.requireDevice(r);
      return this.telemetry.history(r);
    });
    this.bus.serve(TslRpc.events, async (r) => {
      await this.requireDevice(r);
      return this.telemetry.events(r);
    });
    this.bus.serve(TslRpc.droppedValues, async (r) => {
      await this.requireDevice(r);
      return this.telemetry.dropped(r);
    });
  }

  private async requireDevice(r: { productKey: string; deviceName: string }): Promise<void> {
    await this.bus.request(AuthRpc.getDevice, { productKey: r.productKey, deviceName: r.deviceName });
  }
}

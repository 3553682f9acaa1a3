import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AuthRpc } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { DevicesService } from './devices.service';

/** Transport adapter: device requests from the bus. */
@Injectable()
export class DevicesController implements OnModuleInit {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(DevicesService) private readonly devices: DevicesService,
  ) {}

  onModuleInit(): void {
    this.bus.serve(AuthRpc.createDevice, (r) => this.devices.create(r));
    this.bus.serve(AuthRpc.getDevice, (r) => this.devices.get(r));
    this.bus.serve(AuthRpc.listDevices, (r) => this.devices.list(r));
    this.bus.serve(AuthRpc.deleteDevice, (r) => this.devices.delete(r));
    this.bus.serve(AuthRpc.setDeviceDisabled, (r) => this.devices.setDisabled(r));
  }
}

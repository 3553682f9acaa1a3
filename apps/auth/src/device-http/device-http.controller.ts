import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AuthRpc } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { DeviceHttpService } from './device-http.service';

/** Transport adapter: the device HTTP channel's auth calls, forwarded by apps/bridge. */
@Injectable()
export class DeviceHttpController implements OnModuleInit {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(DeviceHttpService) private readonly service: DeviceHttpService,
  ) {}

  onModuleInit(): void {
    this.bus.serve(AuthRpc.httpDeviceNameAuth, (r) => this.service.deviceNameAuth(r));
    this.bus.serve(AuthRpc.httpRegisterDevice, (r) => this.service.registerDevice(r));
  }
}

import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OtaRpc } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { FirmwareService } from './firmware.service';

/** Transport adapter: firmware queries and deletion over the bus (uploads come over HTTP: upload.controller.ts). */
@Injectable()
export class FirmwareController implements OnModuleInit {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(FirmwareService) private readonly firmware: FirmwareService,
  ) {}

  onModuleInit(): void {
    this.bus.serve(OtaRpc.listFirmware, (r) => this.firmware.list(r));
    this.bus.serve(OtaRpc.getFirmware, (r) => this.firmware.get(r.id));
    this.bus.serve(OtaRpc.deleteFirmware, (r) => this.firmware.delete(r.id));
  }
}

import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AuthRpc } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { ConfigsService } from './configs.service';

/** Transport adapter: configuration files from the bus (the API, and the bridge's downloads). */
@Injectable()
export class ConfigsController implements OnModuleInit {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(ConfigsService) private readonly configs: ConfigsService,
  ) {}

  onModuleInit(): void {
    this.bus.serve(AuthRpc.setConfig, (r) => this.configs.set(r));
    this.bus.serve(AuthRpc.getConfig, (r) => this.configs.get(r.productKey, r.kind));
    this.bus.serve(AuthRpc.pushConfig, (r) => this.configs.push(r.productKey, r.kind));
    this.bus.serve(AuthRpc.downloadConfig, (r) => this.configs.download(r));
  }
}

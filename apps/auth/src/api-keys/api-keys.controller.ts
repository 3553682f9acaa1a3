import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AuthRpc } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { ApiKeysService } from './api-keys.service';

/** Transport adapter: API key checks and creation for apps/api. */
@Injectable()
export class ApiKeysController implements OnModuleInit {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(ApiKeysService) private readonly keys: ApiKeysService,
  ) {}

  onModuleInit(): void {
    this.bus.serve(AuthRpc.verifyApiKey, (r) => this.keys.verify(r.key));
    this.bus.serve(AuthRpc.createApiKey, (r) => this.keys.create(r));
  }
}

import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AuthRpc, DomainError, ErrorCode, ShadowRpc } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { SettingsRepository } from './settings.repository';

/** Transport adapter: per-product shadow settings. */
@Injectable()
export class SettingsController implements OnModuleInit {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(SettingsRepository) private readonly settings: SettingsRepository,
  ) {}

  onModuleInit(): void {
    this.bus.serve(ShadowRpc.getSettings, async (r) => {
      await this.bus.request(AuthRpc.getProduct, { productKey: r.productKey });
      return this.settings.get(r.productKey);
    });
    this.bus.serve(ShadowRpc.setSettings, async (r) => {
      if (typeof r.pushControlOnConnect !== 'boolean') {
        throw new DomainError(ErrorCode.VALIDATION_FAILED, 'pushControlOnConnect: true or false');
      }
      await this.bus.request(AuthRpc.getProduct, { productKey: r.productKey });
      return this.settings.set({ productKey: r.productKey, pushControlOnConnect: r.pushControlOnConnect });
    });
  }
}

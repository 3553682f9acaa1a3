import { Module, type DynamicModule } from '@nestjs/common';
import { platformModules } from '@iot/runtime';
import type { OtaConfig } from './config/ota.env';

/** apps/ota: boots with health and metrics only, for now. */
@Module({})
export class OtaModule {
  static forRoot(config: OtaConfig): DynamicModule {
    return { module: OtaModule, imports: [...platformModules('ota', config)] };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { platformModules } from '@iot/runtime';
import type { ShadowConfig } from './config/shadow.env';

/** apps/shadow: boots with health and metrics only, for now. */
@Module({})
export class ShadowModule {
  static forRoot(config: ShadowConfig): DynamicModule {
    return { module: ShadowModule, imports: [...platformModules('shadow', config)] };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { platformModules } from '@iot/runtime';
import type { TslConfig } from './config/tsl.env';

/** apps/tsl: boots with health and metrics only, for now. */
@Module({})
export class TslModule {
  static forRoot(config: TslConfig): DynamicModule {
    return { module: TslModule, imports: [...platformModules('tsl', config)] };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { platformModules } from '@iot/runtime';
import type { RulesConfig } from './config/rules.env';

/** apps/rules: boots with health and metrics only, for now. */
@Module({})
export class RulesModule {
  static forRoot(config: RulesConfig): DynamicModule {
    return { module: RulesModule, imports: [...platformModules('rules', config)] };
  }
}

import 'reflect-metadata';
import { runApp } from '@iot/runtime';
import { loadRulesConfig } from './config/rules.env';
import { RulesModule } from './rules.module';

void runApp(() => {
  const config = loadRulesConfig();
  return { module: RulesModule.forRoot(config), port: config.RULES_HTTP_PORT };
});

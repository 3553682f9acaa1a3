import 'reflect-metadata';
import { runApp } from '@iot/runtime';
import { loadShadowConfig } from './config/shadow.env';
import { ShadowModule } from './shadow.module';

void runApp(() => {
  const config = loadShadowConfig();
  return { module: ShadowModule.forRoot(config), port: config.SHADOW_HTTP_PORT };
});

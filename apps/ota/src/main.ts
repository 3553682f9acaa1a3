import 'reflect-metadata';
import { runApp } from '@iot/runtime';
import { loadOtaConfig } from './config/ota.env';
import { OtaModule } from './ota.module';

void runApp(() => {
  const config = loadOtaConfig();
  return { module: OtaModule.forRoot(config), port: config.OTA_HTTP_PORT };
});

import 'reflect-metadata';
import { runApp } from '@iot/runtime';
import { loadTslConfig } from './config/tsl.env';
import { TslModule } from './tsl.module';

void runApp(() => {
  const config = loadTslConfig();
  return { module: TslModule.forRoot(config), port: config.TSL_HTTP_PORT };
});

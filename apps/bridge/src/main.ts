import 'reflect-metadata';
import { runApp } from '@iot/runtime';
import { BridgeModule } from './bridge.module';
import { loadBridgeConfig } from './config/bridge.env';

void runApp(() => {
  const config = loadBridgeConfig();
  return { module: BridgeModule.forRoot(config), port: config.DEVICE_HTTP_PORT };
});

import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { runApp } from '@iot/runtime';
import { BridgeModule } from './bridge.module';
import { loadBridgeConfig } from './config/bridge.env';
import { EMQX_WEBHOOK_BODY_LIMIT } from './emqx/emqx.module';

void runApp(() => {
  const config = loadBridgeConfig();
  return {
    module: BridgeModule.forRoot(config),
    port: config.DEVICE_HTTP_PORT,
    // EMQX webhooks carry payloads of up to 1 MB as base64; Express's default limit is 100 kB.
    configure: (app) => void (app as NestExpressApplication).useBodyParser('json', { limit: EMQX_WEBHOOK_BODY_LIMIT }),
  };
});

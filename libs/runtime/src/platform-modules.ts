import type { DynamicModule } from '@nestjs/common';
import type { PlatformApp } from '@iot/contracts';
import { BusModule } from '@iot/messaging';
import { HealthModule } from './health';
import { loggerModule } from './logging';

/** What every app imports: structured logs, the bus, health and metrics. */
export function platformModules(
  app: PlatformApp,
  config: { NATS_URL: string; BUS_NAMESPACE: string; LOG_LEVEL: string },
  options: { healthController?: boolean } = {},
): DynamicModule[] {
  return [
    loggerModule(app, config.LOG_LEVEL),
    BusModule.forRoot({ servers: config.NATS_URL, namespace: config.BUS_NAMESPACE, name: app }),
    HealthModule.forApp(app, { controller: options.healthController }),
  ];
}

import {
  Controller,
  Get,
  Global,
  Inject,
  Injectable,
  Module,
  Res,
  type DynamicModule,
  type OnModuleInit,
} from '@nestjs/common';
import type { Response } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { healthRpc, type PlatformApp, type ReadinessReply } from '@iot/contracts';
import { Bus } from '@iot/messaging';

export type ReadinessCheck = () => Promise<boolean> | boolean;

const APP_NAME = Symbol('APP_NAME');

/** Readiness checks registered by the app's modules (bus, database, broker listeners...). */
@Injectable()
export class HealthRegistry implements OnModuleInit {
  private readonly checks = new Map<string, ReadinessCheck>();
  readonly metrics = new Registry();

  constructor(
    @Inject(APP_NAME) readonly app: PlatformApp,
    @Inject(Bus) private readonly bus: Bus,
  ) {
    this.metrics.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.metrics });
    this.register('bus', () => bus.isConnected());
  }

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async readiness(): Promise<ReadinessReply> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          return [name, await check()] as const;
        } catch {
          return [name, false] as const;
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    return { app: this.app, ready: entries.every(([, ok]) => ok), checks };
  }

  onModuleInit(): void {
    this.bus.serve(healthRpc(this.app), () => this.readiness());
  }
}

@Controller()
export class HealthController {
  constructor(@Inject(HealthRegistry) private readonly health: HealthRegistry) {}

  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res() res: Response): Promise<void> {
    const report = await this.health.readiness();
    res.status(report.ready ? 200 : 503).json(report);
  }

  @Get('metrics')
  async metrics(@Res() res: Response): Promise<void> {
    res.type(this.health.metrics.contentType).send(await this.health.metrics.metrics());
  }
}

/** `/health/live`, `/health/ready` and `/metrics` for one app, plus its readiness on the bus. */
@Global()
@Module({})
export class HealthModule {
  static forApp(app: PlatformApp, options: { controller?: boolean } = {}): DynamicModule {
    return {
      module: HealthModule,
      controllers: options.controller === false ? [] : [HealthController],
      providers: [{ provide: APP_NAME, useValue: app }, HealthRegistry],
      exports: [HealthRegistry],
    };
  }
}

import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { healthRpc, PLATFORM_APPS, type ReadinessReply } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { HealthRegistry } from '@iot/runtime';
import { Public } from '../common/public.decorator';

/** The platform's health as applications see it: ready only when every app answers ready. */
@ApiExcludeController()
@Public()
@Controller()
export class PlatformHealthController {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
  ) {}

  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res() res: Response): Promise<void> {
    const apps = await Promise.all(
      PLATFORM_APPS.map((app): Promise<ReadinessReply> =>
        app === 'api'
          ? this.health.readiness()
          : this.bus.request(healthRpc(app), {}, { timeoutMs: 2_000 }).catch(() => ({ app, ready: false, checks: {} })),
      ),
    );
    const ready = apps.every((a) => a.ready);
    res.status(ready ? 200 : 503).json({ ready, apps });
  }

  @Get('metrics')
  async metrics(@Res() res: Response): Promise<void> {
    res.type(this.health.metrics.contentType).send(await this.health.metrics.metrics());
  }
}

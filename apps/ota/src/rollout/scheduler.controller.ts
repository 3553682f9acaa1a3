import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { OTA_CONFIG, type OtaConfig } from '../config/ota.env';
import { SchedulerService } from './scheduler.service';

/** Runs the scheduler every OTA_TICK_MS, never two ticks at once in this process. */
@Injectable()
export class SchedulerController implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SchedulerController.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(SchedulerService) private readonly scheduler: SchedulerService,
    @Inject(OTA_CONFIG) private readonly config: OtaConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, this.config.OTA_TICK_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    try {
      await this.scheduler.tick();
    } catch (error) {
      this.logger.warn(`tick failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
}

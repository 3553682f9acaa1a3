import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ShadowRepository } from './shadow.repository';

const KEEP_MS = 24 * 3600 * 1000;
const EVERY_MS = 3600 * 1000;

/** Forgets applied message ids after a day: JetStream redelivers long before that. */
@Injectable()
export class AppliedMessagesPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AppliedMessagesPruner.name);
  private timer?: NodeJS.Timeout;

  constructor(@Inject(ShadowRepository) private readonly shadows: ShadowRepository) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async prune(): Promise<void> {
    try {
      await this.shadows.pruneAppliedMessages(new Date(Date.now() - KEEP_MS));
    } catch (error) {
      this.logger.warn(`pruning applied message ids failed: ${String(error)}`);
    }
  }
}

import {
  BadRequestException,
  Body,
  Controller,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  Logger,
  Post,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { Counter } from 'prom-client';
import { HealthRegistry, SharedSecret } from '@iot/runtime';
import { DeviceEdgeService } from '../edge/device-edge.service';
import { mapEmqxEvent } from './emqx-events';
import { EmqxGatewayEdge } from './emqx-gateway-edge';
import { KeepaliveGuard } from './keepalive-guard';

/** The shared secret EMQX sends in `x-emqx-secret` (its connector's `headers`). */
export const EMQX_WEBHOOK_SECRET = Symbol('EMQX_WEBHOOK_SECRET');

type Outcome = 'publish' | 'connected' | 'disconnected' | 'refused' | 'ignored' | 'invalid' | 'unauthorized' | 'failed';

/**
 * `POST /emqx/events`: the rule-engine webhook of EMQX (emqx-contract.md §3). Answers 204 only once
 * the event is stored in JetStream, 503 when it could not be (EMQX retries 503 until the action's
 * `request_ttl`), 400 for a malformed body (EMQX drops it), 401 for a wrong secret.
 * A redelivered publish carries the same EMQX `id`, which JetStream dedupes as the message id.
 * A connection whose keepalive is outside 30–1200 s is kicked instead of stored ({@link KeepaliveGuard});
 * gateways' sub-device sessions go through {@link EmqxGatewayEdge}.
 */
@Controller('emqx')
export class EmqxWebhookController {
  private readonly logger = new Logger(EmqxWebhookController.name);
  private readonly secret: SharedSecret;
  private readonly outcomes: Counter<'outcome'>;

  constructor(
    @Inject(DeviceEdgeService) private readonly edge: DeviceEdgeService,
    @Inject(EMQX_WEBHOOK_SECRET) secret: string,
    @Inject(EmqxGatewayEdge) private readonly gateways: EmqxGatewayEdge,
    @Inject(KeepaliveGuard) private readonly keepalive: KeepaliveGuard,
    @Inject(HealthRegistry) health: HealthRegistry,
  ) {
    this.secret = new SharedSecret(secret, '/emqx/events');
    this.outcomes = new Counter({
      name: 'bridge_emqx_webhook_events_total',
      help: 'EMQX webhook calls to /emqx/events, by outcome',
      labelNames: ['outcome'],
      registers: [health.metrics],
    });
  }

  @Post('events')
  @HttpCode(HttpStatus.NO_CONTENT)
  async events(@Headers('x-emqx-secret') secret: string | undefined, @Body() body: unknown): Promise<void> {
    if (!this.secret.matches(secret)) {
      this.count('unauthorized');
      throw new UnauthorizedException('missing or wrong x-emqx-secret');
    }
    const mapped = mapEmqxEvent(body);
    switch (mapped.kind) {
      case 'invalid':
        this.count('invalid');
        this.logger.warn(`malformed EMQX event dropped: ${mapped.error}`);
        throw new BadRequestException(mapped.error);
      case 'ignored':
        this.count('ignored');
        this.logger.debug(`EMQX event ignored: ${mapped.reason}`);
        return;
      case 'publish':
        await this.store('publish', () => this.gateways.uplink(mapped.publish, mapped.device));
        return;
      case 'connected':
        if (await this.attempt('connected', () => this.keepalive.refuse(mapped.event))) return this.count('refused');
        await this.store('connected', () => this.edge.connected(mapped.event));
        return;
      case 'disconnected':
        if (this.keepalive.wasRefused(mapped.event)) return this.count('refused');
        await this.store('disconnected', () => this.gateways.disconnected(mapped.event, mapped.device));
        return;
    }
  }

  private async store(outcome: Outcome, put: () => Promise<unknown>): Promise<void> {
    await this.attempt(outcome, put);
    this.count(outcome);
  }

  /** Runs `work`; a failure answers 503, so that EMQX sends the event again. */
  private async attempt<T>(event: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.count('failed');
      this.logger.warn(`could not handle EMQX ${event} event, answering 503: ${errorText(error)}`);
      throw new ServiceUnavailableException('the event could not be stored; retry');
    }
  }

  private count(outcome: Outcome): void {
    this.outcomes.inc({ outcome });
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

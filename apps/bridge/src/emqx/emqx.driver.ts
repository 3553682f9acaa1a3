import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DownlinkReply, DownlinkRequest, KickRequest } from '@iot/contracts';
import { HealthRegistry } from '@iot/runtime';
import type { BrokerDriver } from '../broker/broker-driver';
import { EmqxGatewayEdge } from './emqx-gateway-edge';
import { EmqxRestClient } from './emqx-rest.client';

export interface EmqxDriverOptions {
  /** First delay between `GET /status` probes while EMQX is not up; doubles up to `retryMaxMs`. */
  retryInitialMs?: number;
  retryMaxMs?: number;
}

export const EMQX_DRIVER_OPTIONS = Symbol('EMQX_DRIVER_OPTIONS');

/**
 * The `emqx` broker driver: devices talk to EMQX, which calls apps/auth for authentication and
 * POSTs publishes and connection events to {@link EmqxWebhookController}; this side only sends
 * downlinks and kicks through EMQX's REST API.
 *
 * Ready once `GET /status` has answered 200. `start()` does not wait for it: the probe is retried
 * with backoff in the background, and the bridge reports not-ready until then.
 */
@Injectable()
export class EmqxDriver implements BrokerDriver {
  private readonly logger = new Logger(EmqxDriver.name);
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private ready = false;
  private running = false;
  private timer?: NodeJS.Timeout;
  private probing?: Promise<void>;

  constructor(
    @Inject(EmqxRestClient) private readonly rest: EmqxRestClient,
    @Inject(EMQX_DRIVER_OPTIONS) options: EmqxDriverOptions,
    @Inject(HealthRegistry) health: HealthRegistry,
    @Inject(EmqxGatewayEdge) private readonly gateways: Pick<EmqxGatewayEdge, 'kickSubSession'>,
  ) {
    this.retryInitialMs = options.retryInitialMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 15_000;
    health.register('emqx', () => this.ready);
  }

  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    this.schedule(0, this.retryInitialMs);
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.probing;
  }

  isReady(): boolean {
    return this.ready;
  }

  async publish(request: DownlinkRequest): Promise<DownlinkReply> {
    const result = await this.rest.publish(request);
    return { delivered: result.delivered };
  }

  /**
   * Kicks `clientId`, or every session of the device when it is absent (a sub-device session on a
   * gateway included). Those are found by the
   * username `deviceName&productKey`; a device that logged in with an iotId/iotToken (protocol.md §1.4)
   * has its iotId as username and is therefore only reached when the request names its clientId.
   */
  async kick(request: KickRequest): Promise<void> {
    // A sub-device session is no EMQX client: it is closed on its gateway's connection.
    if (await this.gateways.kickSubSession(request)) return;
    const clientIds = request.clientId
      ? [request.clientId]
      : (await this.rest.listClients({ usernames: [`${request.deviceName}&${request.productKey}`] })).map(
          (c) => c.clientId,
        );
    const kicked = await Promise.all(clientIds.map((id) => this.rest.kick(id)));
    this.logger.log(
      `kick ${request.productKey}/${request.deviceName} (${request.reason}): ${kicked.filter(Boolean).length} session(s) closed`,
    );
  }

  private schedule(delayMs: number, nextDelayMs: number): void {
    this.timer = setTimeout(() => {
      this.probing = this.probe(nextDelayMs).catch((error: unknown) =>
        this.logger.error(`EMQX status probe crashed: ${error instanceof Error ? error.message : String(error)}`),
      );
    }, delayMs);
  }

  private async probe(delayMs: number): Promise<void> {
    if (!this.running) return;
    if (await this.rest.isUp()) {
      this.ready = true;
      this.logger.log('EMQX is up');
      return;
    }
    if (!this.running) return;
    this.logger.warn(`EMQX status probe failed; retrying in ${delayMs} ms`);
    this.schedule(delayMs, Math.min(delayMs * 2, this.retryMaxMs));
  }
}

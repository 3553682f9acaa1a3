import { Module, type DynamicModule } from '@nestjs/common';
import { BROKER_DRIVER } from '../broker/broker-driver';
import { EMQX_REST_OPTIONS, EmqxRestClient, type EmqxRestOptions } from './emqx-rest.client';
import { EMQX_WEBHOOK_SECRET, EmqxWebhookController } from './emqx-webhook.controller';
import { EMQX_DRIVER_OPTIONS, EmqxDriver, type EmqxDriverOptions } from './emqx.driver';
import { GatewaySessionsService } from '../gateway/gateway-sessions.service';
import { EmqxGatewayEdge } from './emqx-gateway-edge';
import { KeepaliveGuard } from './keepalive-guard';

export interface EmqxModuleOptions {
  /** EMQX_API_URL, e.g. `http://emqx:18083/api/v5`. */
  apiUrl: string;
  /** EMQX_API_KEY / EMQX_API_SECRET: a key of EMQX's `api_key.bootstrap_file`. */
  apiKey: string;
  apiSecret: string;
  /** EMQX_WEBHOOK_SECRET: what EMQX sends in `x-emqx-secret`; empty refuses every webhook call. */
  webhookSecret: string;
  requestTimeoutMs?: number;
  statusProbe?: EmqxDriverOptions;
}

/**
 * The `emqx` broker driver (BROKER_DRIVER) and the `POST /emqx/events` webhook.
 *
 * Relies on providers the bridge makes global: `Bus`, `HealthRegistry`
 * and `DeviceEdgeService` (EdgeModule). The JSON body limit must fit a base64 MQTT payload of
 * EMQX's `mqtt.max_packet_size` (1 MB by default): configure the app's body parser accordingly
 * (`app.useBodyParser('json', { limit: EMQX_WEBHOOK_BODY_LIMIT })`); Express's default is 100 kB.
 */
@Module({})
export class EmqxModule {
  static forRoot(options: EmqxModuleOptions): DynamicModule {
    const rest: EmqxRestOptions = {
      apiUrl: options.apiUrl,
      apiKey: options.apiKey,
      apiSecret: options.apiSecret,
      timeoutMs: options.requestTimeoutMs,
    };
    return {
      module: EmqxModule,
      controllers: [EmqxWebhookController],
      providers: [
        { provide: EMQX_REST_OPTIONS, useValue: rest },
        { provide: EMQX_WEBHOOK_SECRET, useValue: options.webhookSecret },
        { provide: EMQX_DRIVER_OPTIONS, useValue: options.statusProbe ?? {} },
        EmqxRestClient,
        KeepaliveGuard,
        GatewaySessionsService,
        EmqxGatewayEdge,
        EmqxDriver,
        { provide: BROKER_DRIVER, useExisting: EmqxDriver },
      ],
      exports: [BROKER_DRIVER, EmqxRestClient],
    };
  }
}

/** 1 MB of payload is 1.34 MB in base64, plus the event's other fields. */
export const EMQX_WEBHOOK_BODY_LIMIT = '2mb';

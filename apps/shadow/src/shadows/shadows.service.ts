import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import {
  AuthRpc,
  DomainError,
  ErrorCode,
  ShadowEvents,
  type ShadowDocumentView,
  type ShadowRef,
  type UpdateShadowReply,
  type UpdateShadowRequest,
  type UplinkMessage,
} from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { HealthRegistry } from '@iot/runtime';
import { documentView } from '../document/shadow-document';
import { SHADOW_ERRORS, type ShadowError } from '../document/shadow-errors';
import { controlMessage, errorReply, getReply, successReply } from '../document/shadow-messages';
import { parseShadowRequest, type WriteRequest } from '../document/shadow-request';
import { planWrite } from '../document/shadow-write';
import { ShadowPublisher } from './shadow-publisher';
import { ShadowRepository } from './shadow.repository';

/** Optimistic writes retried when another writer got in between; past this, the message is redelivered. */
const MAX_WRITE_ATTEMPTS = 10;

type WriteOutcome = { ok: true; version: number } | { ok: false; error: ShadowError };

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Device shadows: the `/shadow/...` protocol for devices, UpdateDeviceShadow/GetDeviceShadow for applications. */
@Injectable()
export class ShadowsService {
  private readonly logger = new Logger(ShadowsService.name);
  private readonly requests: Counter<'source' | 'method' | 'result'>;

  constructor(
    @Inject(ShadowRepository) private readonly shadows: ShadowRepository,
    @Inject(ShadowPublisher) private readonly publisher: ShadowPublisher,
    @Inject(Bus) private readonly bus: Bus,
    @Inject(HealthRegistry) health: HealthRegistry,
  ) {
    this.requests = new Counter({
      name: 'shadow_requests_total',
      help: 'Shadow requests by source, method and result (success or the error code)',
      labelNames: ['source', 'method', 'result'],
      registers: [health.metrics],
    });
  }

  /** A request a device published on `/shadow/update/{pk}/{dn}`; answered on `/shadow/get/{pk}/{dn}`. */
  async onDeviceMessage(message: UplinkMessage): Promise<void> {
    const { productKey, deviceName } = message;
    const parsed = parseShadowRequest(Buffer.from(message.payload, 'base64'));
    if (!parsed.ok) {
      this.count('device', 'invalid', parsed.error);
      await this.publisher.send(productKey, deviceName, errorReply(parsed.error, nowSeconds()));
      return;
    }
    const request = parsed.request;
    if (request.method === 'get') {
      const { document } = await this.shadows.load(productKey, deviceName);
      this.count('device', 'get');
      await this.publisher.send(productKey, deviceName, getReply(document, nowSeconds(), request.clientToken));
      return;
    }
    const outcome = await this.write({ productKey, deviceName }, request, 'device', message.messageId);
    const reply = outcome.ok
      ? successReply(outcome.version, nowSeconds(), request.clientToken)
      : errorReply(outcome.error, nowSeconds(), request.clientToken);
    await this.publisher.send(productKey, deviceName, reply);
  }

  /** UpdateDeviceShadow: the same rules as a device's request; errors come back as domain errors. */
  async updateFromApplication(request: UpdateShadowRequest): Promise<UpdateShadowReply> {
    await this.requireDevice(request);
    const parsed = parseShadowRequest(typeof request.shadowMessage === 'string' ? request.shadowMessage : '');
    if (!parsed.ok) throw toDomainError(parsed.error);
    if (parsed.request.method === 'get') {
      throw toDomainError({
        code: SHADOW_ERRORS.invalidMethod.code,
        message: 'invalid method: read the shadow with GET',
      });
    }
    const outcome = await this.write(request, parsed.request, 'application');
    if (!outcome.ok) throw toDomainError(outcome.error);
    return { version: outcome.version };
  }

  async get(ref: ShadowRef): Promise<ShadowDocumentView> {
    await this.requireDevice(ref);
    const { document } = await this.shadows.load(ref.productKey, ref.deviceName);
    return documentView(document);
  }

  private async write(
    ref: ShadowRef,
    request: WriteRequest,
    source: 'device' | 'application',
    messageId?: string,
  ): Promise<WriteOutcome> {
    const { productKey, deviceName } = ref;
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const read = await this.shadows.load(productKey, deviceName);
      const now = nowSeconds();
      const plan = planWrite(read, request, now);
      if (!plan.ok) {
        this.count(source, request.method, plan.error);
        return plan;
      }
      const saved = await this.shadows.save(productKey, deviceName, read, plan.next, messageId);
      if (saved === 'duplicate') {
        // Applied before (a redelivery): answer again with the current version, change nothing.
        return { ok: true, version: (await this.shadows.load(productKey, deviceName)).document.version };
      }
      if (saved === 'conflict') continue;
      const document = plan.next.document;
      this.count(source, request.method);
      if (plan.controlDue) await this.publisher.send(productKey, deviceName, controlMessage(document, now));
      await this.bus.publish(
        ShadowEvents.changed,
        [productKey, deviceName],
        {
          productKey,
          deviceName,
          version: document.version,
          source,
          method: request.method,
          state: document.state,
          timestamp: now,
        },
        `${productKey}/${deviceName}/${document.version}`,
      );
      return { ok: true, version: document.version };
    }
    this.logger.warn(`${productKey}/${deviceName}: ${MAX_WRITE_ATTEMPTS} concurrent writers won in a row`);
    throw new Error('shadow write contention');
  }

  /** Applications may only address devices that exist (apps/auth knows; it answers DEVICE_NOT_FOUND). */
  private async requireDevice(ref: ShadowRef): Promise<void> {
    await this.bus.request(AuthRpc.getDevice, { productKey: ref.productKey, deviceName: ref.deviceName });
  }

  private count(source: string, method: string, error?: ShadowError): void {
    this.requests.inc({ source, method, result: error ? String(error.code) : 'success' });
  }
}

function toDomainError(error: ShadowError): DomainError {
  const code =
    error.code === SHADOW_ERRORS.versionConflict.code ? ErrorCode.SHADOW_VERSION_CONFLICT : ErrorCode.SHADOW_INVALID;
  return new DomainError(code, `${error.code} ${error.message}`, { errorcode: String(error.code) });
}

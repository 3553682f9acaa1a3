import { Inject, Injectable } from '@nestjs/common';
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
import { documentView, type ShadowDocument } from '../document/shadow-document';
import { SHADOW_ERRORS, type ShadowError } from '../document/shadow-errors';
import { controlMessage, errorReply, getReply, successReply } from '../document/shadow-messages';
import { parseShadowRequest, type WriteRequest } from '../document/shadow-request';
import { planWrite, type WritePlan } from '../document/shadow-write';
import { KeyedLock } from '@iot/runtime';
import { BatchedReads } from './batched-reads';
import { BatchedWrites } from './batched-writes';
import { ShadowPublisher } from './shadow-publisher';
import { ShadowRepository } from './shadow.repository';

/** Optimistic attempts before a write takes the row lock. */
const OPTIMISTIC_ATTEMPTS = 3;

type Source = 'device' | 'application';
/**
 * `published`: the change event, on its way (one NATS connection keeps a device's events in version
 * order); the handler awaits it with the reply, so a failed publish redelivers the message.
 */
type WriteOutcome = { ok: true; version: number; published: Promise<void> } | { ok: false; error: ShadowError };

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Device shadows: the `/shadow/...` protocol for devices, UpdateDeviceShadow/GetDeviceShadow for applications. */
@Injectable()
export class ShadowsService {
  private readonly requests: Counter<'source' | 'method' | 'result'>;
  private readonly lock = new KeyedLock();

  constructor(
    @Inject(ShadowRepository) private readonly shadows: ShadowRepository,
    @Inject(BatchedWrites) private readonly batched: BatchedWrites,
    @Inject(BatchedReads) private readonly reads: BatchedReads,
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
      const { document } = await this.reads.load({ productKey, deviceName });
      this.count('device', 'get');
      await this.publisher.send(productKey, deviceName, getReply(document, nowSeconds(), request.clientToken));
      return;
    }
    const outcome = await this.write({ productKey, deviceName }, request, 'device', message.messageId);
    if (!outcome.ok) {
      await this.publisher.send(productKey, deviceName, errorReply(outcome.error, nowSeconds(), request.clientToken));
      return;
    }
    const reply = successReply(outcome.version, nowSeconds(), request.clientToken);
    await Promise.all([outcome.published, this.publisher.send(productKey, deviceName, reply)]);
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
    await outcome.published;
    return { version: outcome.version };
  }

  async get(ref: ShadowRef): Promise<ShadowDocumentView> {
    await this.requireDevice(ref);
    const { document } = await this.reads.load(ref);
    return documentView(document);
  }

  /** One write per device at a time in this process; see {@link writeOnce}. */
  private write(ref: ShadowRef, request: WriteRequest, source: Source, messageId?: string): Promise<WriteOutcome> {
    return this.lock.run(`${ref.productKey}/${ref.deviceName}`, () => this.writeOnce(ref, request, source, messageId));
  }

  /**
   * Optimistic first: each attempt joins a batch of writes (read, plan, conditional write for the whole
   * batch: {@link BatchedWrites}), so an attempt after a conflict reads the row again; when another replica
   * keeps winning, the row is locked and the change planned under the lock, so no writer starves and none
   * is lost.
   */
  private async writeOnce(
    ref: ShadowRef,
    request: WriteRequest,
    source: Source,
    messageId?: string,
  ): Promise<WriteOutcome> {
    for (let attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt++) {
      const tried = await this.batched.attempt({ ref, request, messageId });
      if (tried.outcome === 'refused') return this.refused(source, request, tried.error);
      if (tried.outcome === 'duplicate') return this.alreadyApplied(ref);
      if (tried.outcome === 'saved') {
        return this.written(ref, request, source, tried.plan.next.document, tried.plan.controlDue, tried.now);
      }
    }
    const now = nowSeconds();
    let result: WritePlan | undefined;
    const saved = await this.shadows.saveLocked(
      ref.productKey,
      ref.deviceName,
      (read) => {
        result = planWrite(read, request, now);
        return result.ok ? result.next : undefined;
      },
      messageId,
    );
    if (saved === 'duplicate') return this.alreadyApplied(ref);
    if (!result) return this.refused(source, request, SHADOW_ERRORS.serverException);
    if (!result.ok) return this.refused(source, request, result.error);
    return this.written(ref, request, source, result.next.document, result.controlDue, now);
  }

  private refused(source: Source, request: WriteRequest, error: ShadowError): WriteOutcome {
    this.count(source, request.method, error);
    return { ok: false, error };
  }

  /** Applied before (a redelivery): answer again with the current version, change nothing. */
  private async alreadyApplied(ref: ShadowRef): Promise<WriteOutcome> {
    const { document } = await this.reads.load(ref);
    return { ok: true, version: document.version, published: Promise.resolve() };
  }

  private async written(
    ref: ShadowRef,
    request: WriteRequest,
    source: Source,
    document: ShadowDocument,
    controlDue: boolean,
    now: number,
  ): Promise<WriteOutcome> {
    const { productKey, deviceName } = ref;
    this.count(source, request.method);
    if (controlDue) await this.publisher.send(productKey, deviceName, controlMessage(document, now));
    const event = {
      productKey,
      deviceName,
      version: document.version,
      source,
      method: request.method,
      state: document.state,
      timestamp: now,
    };
    const published = this.bus.publish(
      ShadowEvents.changed,
      [productKey, deviceName],
      event,
      `${productKey}/${deviceName}/${document.version}`,
    );
    // Awaited by the caller; never an unhandled rejection meanwhile.
    published.catch(() => undefined);
    return { ok: true, version: document.version, published };
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

import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { TslEvents, type UplinkMessage } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { alinkReply, type AlinkRequest } from '@iot/protocol';
import { HealthRegistry } from '@iot/runtime';
import { DeviceLink } from '../device/device-link';
import { ThingModelsService, toDocument } from '../thing-models/thing-models.service';
import { checkEventPost, checkPropertyPost } from './alink-posts';
import { TelemetryRepository } from './telemetry.repository';

/** What devices post to the thing model: properties, events, and requests for the model itself. */
@Injectable()
export class DevicePostsService {
  private readonly droppedCounter: Counter<'kind' | 'reason'>;

  constructor(
    @Inject(ThingModelsService) private readonly models: ThingModelsService,
    @Inject(TelemetryRepository) private readonly telemetry: TelemetryRepository,
    @Inject(DeviceLink) private readonly link: DeviceLink,
    @Inject(Bus) private readonly bus: Bus,
    @Inject(HealthRegistry) health: HealthRegistry,
  ) {
    this.droppedCounter = new Counter({
      name: 'tsl_dropped_values_total',
      help: 'Posted values refused by the thing model, by reason',
      labelNames: ['kind', 'reason'],
      registers: [health.metrics],
    });
  }

  /** `thing/event/property/post` (protocol.md §4.2). */
  async propertyPost(message: UplinkMessage, request: AlinkRequest): Promise<void> {
    const { productKey, deviceName } = message;
    const model = await this.models.model(productKey);
    const outcome = checkPropertyPost(model, request.params, message.receivedAt);
    await this.telemetry.saveProperties(productKey, deviceName, outcome.accepted);
    await this.recordDropped(message, 'property', outcome.dropped, request);
    await this.link.sendJson(`${message.topic}_reply`, alinkReply(request, outcome.code, {}, outcome.message));
    const items = Object.fromEntries(Object.entries(outcome.accepted).map(([k, v]) => [k, v.value]));
    if (Object.keys(items).length === 0) return;
    const times = Object.fromEntries(Object.entries(outcome.accepted).map(([k, v]) => [k, v.time]));
    await this.bus.publish(
      TslEvents.propertiesPosted,
      [productKey, deviceName],
      { productKey, deviceName, items, times, requestId: String(request.id), receivedAt: message.receivedAt },
      `${message.messageId}:properties`,
    );
  }

  /** `thing/event/{id}/post` (protocol.md §4.4). */
  async eventPost(message: UplinkMessage, identifier: string, request: AlinkRequest): Promise<void> {
    const { productKey, deviceName } = message;
    const model = await this.models.model(productKey);
    const outcome = checkEventPost(model, identifier, request.params, message.receivedAt);
    await this.recordDropped(message, 'event', outcome.dropped, request);
    if (outcome.event) await this.telemetry.saveEvent(productKey, deviceName, outcome.event);
    await this.link.sendJson(`${message.topic}_reply`, alinkReply(request, outcome.code, {}, outcome.message));
    if (!outcome.event) return;
    await this.bus.publish(
      TslEvents.eventPosted,
      [productKey, deviceName],
      { productKey, deviceName, ...outcome.event, requestId: String(request.id), receivedAt: message.receivedAt },
      `${message.messageId}:event`,
    );
  }

  /** `thing/dsltemplate/get` (protocol.md §4.7): the model with the device's profile; empty when none is set. */
  async modelRequest(message: UplinkMessage, request: AlinkRequest): Promise<void> {
    const model = await this.models.model(message.productKey);
    const document = toDocument(message.productKey, model, message.deviceName);
    await this.link.sendJson(`${message.topic}_reply`, alinkReply(request, 200, document));
  }

  private async recordDropped(
    message: UplinkMessage,
    kind: string,
    dropped: { identifier: string; value: unknown; reason: string }[],
    request: AlinkRequest,
  ): Promise<void> {
    await this.telemetry.saveDropped(message.productKey, message.deviceName, kind, dropped, String(request.id));
    for (const d of dropped) this.droppedCounter.inc({ kind, reason: d.reason });
  }
}

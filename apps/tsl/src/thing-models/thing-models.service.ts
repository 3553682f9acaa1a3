import { Inject, Injectable } from '@nestjs/common';
import { AuthRpc, DomainError, ErrorCode, type ThingModelDocument } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { parseThingModel } from '../model/tsl-document';
import { EMPTY_MODEL, type ThingModel } from '../model/tsl-types';
import { ThingModelRepository } from './thing-model.repository';

/** How long a replica trusts its copy of a product's model (a write on another replica shows after this). */
const CACHE_MS = 5_000;

@Injectable()
export class ThingModelsService {
  private readonly cache = new Map<string, { model: ThingModel; until: number }>();

  constructor(
    @Inject(ThingModelRepository) private readonly models: ThingModelRepository,
    @Inject(Bus) private readonly bus: Bus,
  ) {}

  /** Validates the whole document first: an invalid model is refused with every problem, and nothing changes. */
  async put(productKey: string, document: unknown): Promise<ThingModelDocument> {
    await this.bus.request(AuthRpc.getProduct, { productKey });
    const parsed = parseThingModel(document);
    if (!parsed.ok) {
      const message = parsed.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
      throw new DomainError(ErrorCode.THING_MODEL_INVALID, message, { issues: parsed.issues });
    }
    await this.models.save(productKey, parsed.model);
    this.cache.set(productKey, { model: parsed.model, until: Date.now() + CACHE_MS });
    return toDocument(productKey, parsed.model);
  }

  async getDocument(productKey: string): Promise<ThingModelDocument> {
    await this.bus.request(AuthRpc.getProduct, { productKey });
    return toDocument(productKey, await this.model(productKey));
  }

  /** The product's model, or an empty one (then every property is unknown). */
  async model(productKey: string): Promise<ThingModel> {
    const cached = this.cache.get(productKey);
    if (cached && cached.until > Date.now()) return cached.model;
    const model = (await this.models.find(productKey)) ?? EMPTY_MODEL;
    this.cache.set(productKey, { model, until: Date.now() + CACHE_MS });
    return model;
  }
}

/** The TSL document of protocol.md §4.1 (also what `thing/dsltemplate/get` answers, with the device's profile). */
export function toDocument(productKey: string, model: ThingModel, deviceName?: string): ThingModelDocument {
  return {
    schema: 'https://iotx-tsl.oss-ap-southeast-1.aliyuncs.com/schema.json',
    link: '/sys/{pk}/{dn}/thing/',
    profile: deviceName ? { productKey, deviceName } : { productKey },
    properties: model.properties,
    events: model.events,
    services: model.services,
  };
}

import { Inject, Injectable } from '@nestjs/common';
import type { Device } from '../generated/prisma/client';
import { GatewayRepository } from './gateway.repository';
import { GATEWAY_CODE, stringParams } from './sub-device-params';
import type { AlinkOutcome } from './topology.service';

/** protocol.md §7.2. */
export const MAX_TAGS_PER_REQUEST = 200;
const TAG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

const fail = (message: string): AlinkOutcome => ({ code: GATEWAY_CODE.paramError, data: {}, message });

/** Device tags reported by the device (`thing/deviceinfo/update|delete`), shown in the API. */
@Injectable()
export class TagsService {
  constructor(@Inject(GatewayRepository) private readonly gateways: GatewayRepository) {}

  async update(device: Device, params: unknown): Promise<AlinkOutcome> {
    const items = tagItems(params);
    if (!items) return fail('request parameter error: params must be a list of {attrKey, attrValue}');
    const tags: { key: string; value: string }[] = [];
    for (const item of items) {
      const problem = keyProblem(item.attrKey);
      if (problem) return fail(problem);
      if (item.attrValue === undefined) return fail(`attrValue missing for ${item.attrKey}`);
      tags.push({ key: item.attrKey, value: item.attrValue });
    }
    await this.gateways.upsertTags(device.iotId, tags);
    return { code: GATEWAY_CODE.ok, data: {} };
  }

  async delete(device: Device, params: unknown): Promise<AlinkOutcome> {
    const items = tagItems(params);
    if (!items) return fail('request parameter error: params must be a list of {attrKey}');
    for (const item of items) {
      const problem = keyProblem(item.attrKey);
      if (problem) return fail(problem);
    }
    await this.gateways.deleteTags(
      device.iotId,
      items.map((i) => i.attrKey),
    );
    return { code: GATEWAY_CODE.ok, data: {} };
  }
}

function tagItems(params: unknown): { attrKey: string; attrValue?: string }[] | undefined {
  if (!Array.isArray(params) || params.length === 0 || params.length > MAX_TAGS_PER_REQUEST) return undefined;
  const items = params.map(stringParams);
  return items.every((i) => i?.attrKey !== undefined)
    ? (items as { attrKey: string; attrValue?: string }[])
    : undefined;
}

function keyProblem(key: string): string | undefined {
  if (Buffer.byteLength(key) > 100) return `attrKey longer than 100 bytes: ${key.slice(0, 20)}…`;
  if (!TAG_KEY.test(key)) return `attrKey must be letters, digits and _, not starting with a digit: ${key}`;
  return undefined;
}

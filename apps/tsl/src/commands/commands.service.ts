import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import {
  AuthRpc,
  commandSettled,
  DomainError,
  ErrorCode,
  TslEvents,
  type CommandAccepted,
  type CommandView,
  type InvokeServiceRequest,
  type SendMessageRequest,
  type SetPropertiesRequest,
  type UplinkMessage,
} from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { DeviceLink } from '../device/device-link';
import { isRecord } from '../model/tsl-document';
import type { Command } from '../generated/prisma/client';
import { GroupCommit, KeyedLock } from '@iot/runtime';
import { ThingModelsService } from '../thing-models/thing-models.service';
import {
  buildMessage,
  buildPropertySet,
  buildServiceCall,
  DEFAULT_TTL_SECONDS,
  MAX_TTL_SECONDS,
  SYNC_TIMEOUT_MS,
  type Built,
} from './command-builder';
import {
  CommandRepository,
  toCommandView,
  type DeliveryMark,
  type DeviceKey,
  type NewCommand,
} from './command.repository';

/** Devices whose queues are read in one statement, and delivery outcomes written in one, at most. */
const MAX_DELIVERY_BATCH = 500;

/**
 * Commands to devices (protocol.md §3, §4.3, §4.6): async ones are stored, delivered in creation order as
 * soon as the device is connected and subscribed, and expire after their TTL; sync ones need the device
 * online and wait for its reply. Every reply is correlated, stored, and published for the rules engine.
 */
@Injectable()
export class CommandsService {
  private readonly logger = new Logger(CommandsService.name);
  private readonly lock = new KeyedLock();
  // Many devices flushing at once (a reconnect storm) share their queries: one read of the queues, one write
  // of the outcomes, per batch (ADR 0010). A lone flush waits only for the end of the tick.
  private readonly queues = new GroupCommit<DeviceKey, Command[]>((keys) => this.commands.pendingMany(keys), {
    maxBatch: MAX_DELIVERY_BATCH,
    maxConcurrent: 2,
  });
  private readonly marks = new GroupCommit<DeliveryMark, boolean>((marks) => this.commands.markMany(marks), {
    maxBatch: MAX_DELIVERY_BATCH,
    maxConcurrent: 2,
  });

  constructor(
    @Inject(CommandRepository) private readonly commands: CommandRepository,
    @Inject(ThingModelsService) private readonly models: ThingModelsService,
    @Inject(DeviceLink) private readonly link: DeviceLink,
    @Inject(Bus) private readonly bus: Bus,
  ) {}

  async setProperties(r: SetPropertiesRequest): Promise<CommandAccepted> {
    await this.requireDevice(r);
    const id = newCommandId();
    const built = buildPropertySet(await this.models.model(r.productKey), r.productKey, r.deviceName, id, r.items);
    return this.dispatch(r, id, 'property-set', 'property', built, r.mode ?? 'async', r.timeoutMs, r.ttlSeconds);
  }

  async invokeService(r: InvokeServiceRequest): Promise<CommandAccepted> {
    if (r.mode !== 'sync' && r.mode !== 'async') throw invalid('mode: "sync" or "async"');
    await this.requireDevice(r);
    const id = newCommandId();
    const built = buildServiceCall(
      await this.models.model(r.productKey),
      r.productKey,
      r.deviceName,
      id,
      r.identifier,
      r.args,
      r.mode,
    );
    return this.dispatch(r, id, 'service', r.identifier, built, r.mode, r.timeoutMs, r.ttlSeconds);
  }

  async sendMessage(r: SendMessageRequest): Promise<CommandAccepted> {
    await this.requireDevice(r);
    const qos = r.qos ?? 1;
    if (qos !== 0 && qos !== 1) throw invalid('qos: 0 or 1');
    const built = buildMessage(r.productKey, r.deviceName, r.topic, r.payload, r.encoding);
    if (!built.ok) throw invalid(built.message);
    const command = await this.commands.create({
      id: newCommandId(),
      productKey: r.productKey,
      deviceName: r.deviceName,
      kind: 'message',
      identifier: null,
      topic: built.topic,
      payload: built.payload.toString('base64'),
      qos,
      status: 'PENDING',
      expiresAt: expiry(r.ttlSeconds, DEFAULT_TTL_SECONDS.message),
    });
    return this.accepted(command);
  }

  async get(commandId: string): Promise<CommandView> {
    const command = await this.commands.find(commandId);
    if (!command) throw notFound(commandId);
    return toCommandView(command);
  }

  async cancel(commandId: string): Promise<CommandView> {
    const cancelled = await this.commands.transition(commandId, ['PENDING'], 'CANCELLED');
    if (cancelled) return toCommandView(cancelled);
    const command = await this.commands.find(commandId);
    if (!command) throw notFound(commandId);
    throw new DomainError(
      ErrorCode.COMMAND_NOT_CANCELLABLE,
      `Command ${commandId} is ${command.status}; only PENDING commands can be cancelled`,
    );
  }

  /**
   * Delivers the device's queued commands, oldest first, until one finds no subscriber. One flush per device
   * at a time (in this process); the reads and writes of concurrent flushes of different devices are batched.
   */
  flush(productKey: string, deviceName: string): Promise<void> {
    return this.lock.run(`${productKey}/${deviceName}`, async () => {
      for (const command of await this.queues.submit({ productKey, deviceName })) {
        if (command.expiresAt <= new Date()) {
          await this.marks.submit({ id: command.id, to: 'EXPIRED', at: new Date() });
          continue;
        }
        const { delivered } = await this.link.send(command.topic, command.payload, command.qos === 0 ? 0 : 1);
        if (!delivered) return;
        // QoS 0 gives no acknowledgement: SENT is as far as the platform can know.
        await this.marks.submit({ id: command.id, to: command.qos === 0 ? 'SENT' : 'DELIVERED', at: new Date() });
      }
    });
  }

  /**
   * A device's reply on `…/thing/service/…_reply` or `…/rrpc/response/{id}`. `deliveryCount` is the reply
   * message's delivery: a reply that overtook its command's DELIVERED mark (a fast device; the mark is written
   * after the broker took the command) finds the command still PENDING and is redelivered a little later,
   * up to {@link REPLY_RACE_DELIVERIES} times, rather than settling nothing.
   */
  async onReply(message: UplinkMessage, requestTopic: string, rrpcId?: string, deliveryCount = 1): Promise<void> {
    const text = Buffer.from(message.payload, 'base64').toString('utf8');
    let reply: unknown = text;
    try {
      reply = JSON.parse(text);
    } catch {
      // Not JSON: kept as text.
    }
    const replyId =
      isRecord(reply) && (typeof reply.id === 'string' || typeof reply.id === 'number') ? String(reply.id) : undefined;
    let command = await this.commands.find(rrpcId ?? replyId ?? '');
    if (!command || command.productKey !== message.productKey || command.deviceName !== message.deviceName) {
      // The official SDK replies to services with an id of its own (sdk-compat.md §2.5): take the oldest call on that topic.
      command = rrpcId
        ? null
        : await this.commands.oldestAwaitingReply(message.productKey, message.deviceName, requestTopic);
    }
    if (command?.status === 'PENDING') {
      if (deliveryCount < REPLY_RACE_DELIVERIES) throw new ReplyBeforeDeliveryMark(command.id);
      // Never marked: the reply is kept as an unmatched one; the command goes on waiting.
      command = null;
    }
    const code = isRecord(reply) && typeof reply.code === 'number' ? reply.code : undefined;
    const settled = command
      ? await this.commands.transition(
          command.id,
          ['SENT', 'DELIVERED', 'TIMEOUT'],
          code === 200 ? 'SUCCEEDED' : 'FAILED',
          {
            repliedAt: new Date(),
            reply: isRecord(reply) ? reply : { text },
            ...(code === 200 ? {} : { error: `device replied ${code ?? 'without a code'}` }),
          },
        )
      : undefined;
    if (settled) this.bus.emit(commandSettled(settled.id), toCommandView(settled));
    await this.bus.publish(
      TslEvents.downlinkReply,
      [message.productKey, message.deviceName],
      {
        productKey: message.productKey,
        deviceName: message.deviceName,
        commandId: command?.id,
        topic: message.topic,
        reply,
        receivedAt: message.receivedAt,
      },
      `${message.messageId}:reply`,
    );
  }

  async expire(): Promise<number> {
    return this.commands.expire(new Date());
  }

  private async dispatch(
    target: { productKey: string; deviceName: string },
    id: string,
    kind: 'property-set' | 'service',
    identifier: string,
    built: Built,
    mode: 'sync' | 'async',
    timeoutMs?: number,
    ttlSeconds?: number,
  ): Promise<CommandAccepted> {
    if (!built.ok) throw new DomainError(ErrorCode.TSL_VALIDATION_FAILED, built.message);
    const base = {
      id,
      productKey: target.productKey,
      deviceName: target.deviceName,
      kind,
      identifier,
      topic: built.topic,
      payload: built.payload.toString('base64'),
      qos: 1,
    };
    if (mode === 'async') {
      const command = await this.commands.create({
        ...base,
        status: 'PENDING',
        expiresAt: expiry(ttlSeconds, DEFAULT_TTL_SECONDS.command),
      });
      return this.accepted(command);
    }
    return this.call(base, syncTimeout(timeoutMs));
  }

  /** A sync call: fails at once when the device is offline, times out after `timeoutMs`. */
  private async call(base: Omit<NewCommand, 'status' | 'expiresAt'>, timeoutMs: number): Promise<CommandAccepted> {
    const device = await this.bus.request(AuthRpc.getDevice, {
      productKey: base.productKey,
      deviceName: base.deviceName,
    });
    const expiresAt = new Date(Date.now() + timeoutMs);
    if (device.status !== 'online') {
      await this.commands.create({ ...base, status: 'FAILED', expiresAt, error: 'device offline' });
      throw new DomainError(
        ErrorCode.DEVICE_OFFLINE,
        `Device ${base.deviceName} is offline; sync calls need it online`,
        { commandId: base.id },
      );
    }
    await this.commands.create({ ...base, status: 'SENT', expiresAt });
    const settled = await this.bus.listenOnce(commandSettled(base.id), timeoutMs);
    const { delivered } = await this.link.send(base.topic, base.payload, 1);
    if (!delivered) {
      await this.commands.transition(base.id, ['SENT'], 'FAILED', { error: 'device not subscribed' });
      throw new DomainError(ErrorCode.DEVICE_OFFLINE, `Device ${base.deviceName} is not subscribed to ${base.topic}`, {
        commandId: base.id,
      });
    }
    await this.commands.transition(base.id, ['SENT'], 'DELIVERED', { sentAt: new Date(), deliveredAt: new Date() });
    const outcome = await settled();
    if (!outcome) {
      await this.commands.transition(base.id, ['SENT', 'DELIVERED'], 'TIMEOUT');
      throw new DomainError(ErrorCode.COMMAND_TIMEOUT, `No reply from ${base.deviceName} within ${timeoutMs} ms`, {
        commandId: base.id,
      });
    }
    const reply = isRecord(outcome.reply) ? outcome.reply : {};
    return {
      commandId: base.id,
      status: outcome.status,
      reply: {
        code: typeof reply.code === 'number' ? reply.code : 0,
        data: reply.data,
        ...(typeof reply.message === 'string' ? { message: reply.message } : {}),
      },
    };
  }

  /** Stores nothing more: tries to deliver the queue at once (the device may be online) and reports the status. */
  private async accepted(command: Command): Promise<CommandAccepted> {
    try {
      await this.flush(command.productKey, command.deviceName);
    } catch (error) {
      // Stored already: it is delivered when the device next connects or subscribes.
      this.logger.warn(`delivery of ${command.id} deferred: ${String(error)}`);
    }
    const current = (await this.commands.find(command.id)) ?? command;
    return { commandId: command.id, status: toCommandView(current).status };
  }

  private async requireDevice(target: { productKey: string; deviceName: string }): Promise<void> {
    await this.bus.request(AuthRpc.getDevice, { productKey: target.productKey, deviceName: target.deviceName });
  }
}

function expiry(ttlSeconds: number | undefined, fallback: number): Date {
  const ttl = ttlSeconds ?? fallback;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS)
    throw invalid(`ttlSeconds: an integer from 1 to ${MAX_TTL_SECONDS}`);
  return new Date(Date.now() + ttl * 1000);
}

function syncTimeout(timeoutMs?: number): number {
  const t = timeoutMs ?? SYNC_TIMEOUT_MS.default;
  if (!Number.isInteger(t) || t < SYNC_TIMEOUT_MS.min || t > SYNC_TIMEOUT_MS.max)
    throw invalid('timeoutMs: an integer from 1000 to 60000');
  return t;
}

/** Alink ids are digits in Alibaba's examples; 18 random digits keep replies easy to correlate and unique. */
function newCommandId(): string {
  return BigInt(`0x${randomBytes(8).toString('hex')}`)
    .toString()
    .padStart(20, '0')
    .slice(-18)
    .replace(/^0/, '1');
}

/** Deliveries of a reply whose command is still PENDING before it is taken as unmatched. */
export const REPLY_RACE_DELIVERIES = 4;

/** Thrown so the reply is redelivered (after the bus's retry delay) once the delivery mark is written. */
export class ReplyBeforeDeliveryMark extends Error {
  constructor(commandId: string) {
    super(`reply to command ${commandId} arrived before its delivery was recorded; retried shortly`);
    this.name = 'ReplyBeforeDeliveryMark';
  }
}

const invalid = (message: string) => new DomainError(ErrorCode.VALIDATION_FAILED, message);
const notFound = (id: string) => new DomainError(ErrorCode.COMMAND_NOT_FOUND, `Command ${id} not found`);

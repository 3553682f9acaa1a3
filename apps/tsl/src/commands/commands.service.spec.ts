import { describe, expect, it } from 'vitest';
import type { Bus } from '@iot/messaging';
import type { DeviceLink } from '../device/device-link';
import type { Command } from '../generated/prisma/client';
import type { ThingModelsService } from '../thing-models/thing-models.service';
import type { CommandRepository, DeliveryMark, DeviceKey } from './command.repository';
import { CommandsService, REPLY_RACE_DELIVERIES, ReplyBeforeDeliveryMark } from './commands.service';

/** A queue of commands per device, in creation order, and a record of every query and every send. */
function fixture(
  queues: Record<string, { id: string; qos?: number; expired?: boolean }[]>,
  refuse = new Set<string>(),
) {
  const reads: string[][] = [];
  const writes: DeliveryMark[][] = [];
  const sent: string[] = [];
  const status = new Map<string, string>();
  const command = (deviceName: string, c: { id: string; qos?: number; expired?: boolean }) =>
    ({
      id: c.id,
      productKey: 'pk',
      deviceName,
      topic: `/pk/${deviceName}/user/get`,
      payload: Buffer.from(c.id).toString('base64'),
      qos: c.qos ?? 1,
      status: status.get(c.id) ?? 'PENDING',
      expiresAt: new Date(Date.now() + (c.expired ? -1_000 : 60_000)),
    }) as Command;
  const repository = {
    pendingMany: async (keys: readonly DeviceKey[]) => {
      reads.push(keys.map((k) => k.deviceName));
      await new Promise((r) => setTimeout(r, 2));
      return keys.map((k) =>
        (queues[k.deviceName] ?? []).map((c) => command(k.deviceName, c)).filter((c) => c.status === 'PENDING'),
      );
    },
    markMany: async (marks: readonly DeliveryMark[]) => {
      writes.push([...marks]);
      await new Promise((r) => setTimeout(r, 2));
      return marks.map((m) => {
        if (status.has(m.id)) return false;
        status.set(m.id, m.to);
        return true;
      });
    },
  } as unknown as CommandRepository;
  const link = {
    send: async (topic: string, payload: string) => {
      const id = Buffer.from(payload, 'base64').toString();
      sent.push(id);
      await new Promise((r) => setTimeout(r, Math.random() * 3));
      return { delivered: !refuse.has(id) };
    },
  } as unknown as DeviceLink;
  const service = new CommandsService(repository, {} as ThingModelsService, link, {} as Bus);
  return { service, reads, writes, sent, status };
}

describe('CommandsService delivery', () => {
  it('flushes of many devices share one read of their queues and batched writes of the outcomes', async () => {
    const devices = Array.from({ length: 50 }, (_, i) => `d${i}`);
    const f = fixture(Object.fromEntries(devices.map((d) => [d, [{ id: `${d}-1` }]])));

    await Promise.all(devices.map((d) => f.service.flush('pk', d)));

    expect(f.reads).toEqual([devices]);
    expect(f.sent.sort()).toEqual(devices.map((d) => `${d}-1`).sort());
    expect(f.writes.length).toBeLessThan(5);
    expect(f.writes.flat()).toHaveLength(50);
    expect([...f.status.values()].every((s) => s === 'DELIVERED')).toBe(true);
  });

  it("keeps each device's creation order, stops at the first command no subscriber takes, expires the stale", async () => {
    const f = fixture(
      {
        a: [{ id: 'a1' }, { id: 'a2', expired: true }, { id: 'a3', qos: 0 }, { id: 'a4' }],
        b: [{ id: 'b1' }, { id: 'b2' }, { id: 'b3' }],
      },
      new Set(['b2']),
    );

    await Promise.all([f.service.flush('pk', 'a'), f.service.flush('pk', 'b')]);

    expect(f.sent.filter((id) => id.startsWith('a'))).toEqual(['a1', 'a3', 'a4']);
    expect(f.sent.filter((id) => id.startsWith('b'))).toEqual(['b1', 'b2']);
    expect(Object.fromEntries(f.status)).toEqual({
      a1: 'DELIVERED',
      a2: 'EXPIRED',
      a3: 'SENT',
      a4: 'DELIVERED',
      b1: 'DELIVERED',
    });
  });

  it('runs one flush of a device at a time, so a command is sent once however many events arrive', async () => {
    const f = fixture({ a: [{ id: 'a1' }, { id: 'a2' }] });

    await Promise.all([1, 2, 3, 4].map(() => f.service.flush('pk', 'a')));

    expect(f.sent).toEqual(['a1', 'a2']);
  });
});

describe('CommandsService replies', () => {
  /** One stored command; records transitions and the reply events published. */
  function replyFixture(stored: { id: string; status: string }) {
    const transitions: { id: string; to: string }[] = [];
    const published: { commandId?: string }[] = [];
    const command = {
      ...stored,
      productKey: 'pk',
      deviceName: 'dn',
      topic: '/sys/pk/dn/thing/service/Reboot',
      reply: null,
    } as unknown as Command;
    const repository = {
      find: (id: string) => Promise.resolve(id === stored.id ? command : null),
      oldestAwaitingReply: () => Promise.resolve(command),
      transition: (id: string, from: string[], to: string) => {
        if (!from.includes(command.status)) return Promise.resolve(undefined);
        transitions.push({ id, to });
        return Promise.resolve({ ...command, status: to, createdAt: new Date(), expiresAt: new Date() });
      },
    } as unknown as CommandRepository;
    const bus = {
      emit: () => undefined,
      publish: (_c: unknown, _t: unknown, event: { commandId?: string }) => {
        published.push(event);
        return Promise.resolve();
      },
    } as unknown as Bus;
    const service = new CommandsService(repository, {} as ThingModelsService, {} as DeviceLink, bus);
    const message = (payload: object) => ({
      productKey: 'pk',
      deviceName: 'dn',
      topic: '/sys/pk/dn/thing/service/Reboot_reply',
      payload: Buffer.from(JSON.stringify(payload)).toString('base64'),
      messageId: 'm1',
      receivedAt: Date.now(),
    });
    return { service, command, transitions, published, message, topic: command.topic };
  }

  it.each([
    ['its own id', { id: 'c1', code: 200 }],
    ['an id of the SDK’s own', { id: 'sdk-7', code: 200 }],
  ])('settles a delivered command from a reply with %s', async (_, payload) => {
    const f = replyFixture({ id: 'c1', status: 'DELIVERED' });
    await f.service.onReply(f.message(payload) as never, f.topic);
    expect(f.transitions).toEqual([{ id: 'c1', to: 'SUCCEEDED' }]);
    expect(f.published).toMatchObject([{ commandId: 'c1' }]);
  });

  it('a reply that overtook the delivery mark (command still PENDING) is retried, then settles', async () => {
    const f = replyFixture({ id: 'c1', status: 'PENDING' });
    await expect(f.service.onReply(f.message({ id: 'c1', code: 200 }) as never, f.topic, undefined, 1)).rejects.toThrow(
      ReplyBeforeDeliveryMark,
    );
    expect(f.transitions).toEqual([]);
    expect(f.published).toEqual([]);

    // The redelivery finds the mark written.
    f.command.status = 'DELIVERED';
    await f.service.onReply(f.message({ id: 'c1', code: 200 }) as never, f.topic, undefined, 2);
    expect(f.transitions).toEqual([{ id: 'c1', to: 'SUCCEEDED' }]);
    expect(f.published).toMatchObject([{ commandId: 'c1' }]);
  });

  it('after the last retry the reply is kept unmatched and the command keeps waiting', async () => {
    const f = replyFixture({ id: 'c1', status: 'PENDING' });
    await f.service.onReply(f.message({ id: 'c1', code: 200 }) as never, f.topic, undefined, REPLY_RACE_DELIVERIES);
    expect(f.transitions).toEqual([]);
    expect(f.published).toMatchObject([{ commandId: undefined }]);
  });
});

import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainError, ErrorCode, event, rpc, signal, type StreamSpec } from '@iot/contracts';
import { Bus, coalesceWrites, NoRespondersError, RequestMux } from '@iot/messaging';
import { waitFor } from '@iot/testing';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const buses: Bus[] = [];
const namespaces: string[] = [];

async function newBus(namespace = `it${randomBytes(4).toString('hex')}`): Promise<Bus> {
  const bus = new Bus(await connect({ servers: NATS_URL }), namespace);
  buses.push(bus);
  namespaces.push(namespace);
  return bus;
}

afterAll(async () => {
  for (const bus of buses) await bus.close();
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  for await (const name of jsm.streams.names()) {
    if (namespaces.some((ns) => name.startsWith(`${ns.toUpperCase()}_`))) await jsm.streams.delete(name);
  }
  await nc.close();
});

const echo = rpc<{ text: string }, { echoed: string }>('test.v1.echo');
const STREAM: StreamSpec = {
  name: 'TEST_EVENTS',
  subjects: ['testev.v1.>'],
  maxAgeSeconds: 600,
  duplicateWindowSeconds: 60,
};
const happened = event<{ n: number }, [device: string]>(STREAM, 'testev.v1.happened', 1);

describe('Bus against a real NATS server', () => {
  it('answers requests, and carries a DomainError back with its code', async () => {
    const bus = await newBus();
    bus.serve(echo, ({ text }) => {
      if (text === 'bad') throw new DomainError(ErrorCode.VALIDATION_FAILED, 'text must not be bad', { text });
      if (text === 'crash') throw new Error('boom');
      return Promise.resolve({ echoed: text });
    });
    await expect(bus.request(echo, { text: 'hi' })).resolves.toEqual({ echoed: 'hi' });
    await expect(bus.request(echo, { text: 'bad' })).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
      message: 'text must not be bad',
      details: { text: 'bad' },
    });
    // Unexpected errors do not leak their message.
    await expect(bus.request(echo, { text: 'crash' })).rejects.toMatchObject({
      code: ErrorCode.INTERNAL,
      message: 'Internal error',
    });
  });

  it('fits this nats.js when writes are coalesced per event-loop turn: requests and stored events still flow', async () => {
    const server = await newBus();
    const client = await newBus(server.subject('x').split('.')[0]);
    expect(coalesceWrites(client.connection)).toBe(true);
    expect(coalesceWrites(server.connection)).toBe(true);
    server.serve(echo, ({ text }) => Promise.resolve({ echoed: text }));
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => client.request(echo, { text: `${i}` })));
    expect(replies.map((r) => r.echoed)).toEqual(Array.from({ length: 50 }, (_, i) => `${i}`));
    const seen: number[] = [];
    await server.consume(happened, { durable: 'coalesced' }, ({ n }) => {
      seen.push(n);
      return Promise.resolve();
    });
    await Promise.all([1, 2, 3].map((n) => client.publish(happened, ['d'], { n })));
    await waitFor(() => seen.length === 3, { what: 'three events' });
  });

  it('reports SERVICE_UNAVAILABLE when nobody serves a subject', async () => {
    const bus = await newBus();
    await expect(bus.request(echo, { text: 'anyone?' }, { timeoutMs: 500 })).rejects.toMatchObject({
      code: ErrorCode.SERVICE_UNAVAILABLE,
    });
  });

  it('correlates many concurrent requests, and times out a server that never answers', async () => {
    const bus = await newBus();
    bus.serve(echo, async ({ text }) => {
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      return { echoed: text };
    });
    const texts = Array.from({ length: 200 }, (_, i) => `m${i}`);
    const replies = await Promise.all(texts.map((text) => bus.request(echo, { text })));
    expect(replies.map((r) => r.echoed)).toEqual(texts);

    // Answers, but far too late (the bus waits for handlers in flight when it closes).
    const silent = rpc<{ text: string }, { late: true }>('test.v1.silent');
    bus.serve(silent, () => new Promise((resolve) => setTimeout(() => resolve({ late: true }), 1_000)));
    await expect(bus.request(silent, { text: 'hello?' }, { timeoutMs: 300 })).rejects.toMatchObject({
      code: ErrorCode.SERVICE_UNAVAILABLE,
      message: expect.stringMatching(/within 300 ms/),
    });
  });

  it("tells 'no responders' from a timeout (the server's 503 status), at once", async () => {
    const bus = await newBus();
    const mux = new RequestMux(bus.connection);
    await expect(mux.request(bus.subject('test.v1.nobody'), new Uint8Array(), 5_000)).rejects.toBeInstanceOf(
      NoRespondersError,
    );
    expect(mux.waiting).toBe(0);
    mux.close();
  });

  it('keeps namespaces apart', async () => {
    const a = await newBus();
    const b = await newBus();
    a.serve(echo, () => Promise.resolve({ echoed: 'from a' }));
    await expect(b.request(echo, { text: 'x' }, { timeoutMs: 500 })).rejects.toMatchObject({
      code: ErrorCode.SERVICE_UNAVAILABLE,
    });
  });

  it('delivers signals to every listener', async () => {
    const ns = `it${randomBytes(4).toString('hex')}`;
    const [a, b, sender] = [await newBus(ns), await newBus(ns), await newBus(ns)];
    const ping = signal<{ n: number }>('test.v1.ping');
    const got: string[] = [];
    a.onSignal(ping, () => Promise.resolve(void got.push('a')));
    b.onSignal(ping, () => Promise.resolve(void got.push('b')));
    await a.connection.flush();
    await b.connection.flush();
    sender.emit(ping, { n: 1 });
    await waitFor(() => got.length === 2, { what: 'both listeners' });
    expect(got.sort()).toEqual(['a', 'b']);
  });

  it('stores events durably, drops a repeated message id, and redelivers when the handler throws', async () => {
    const bus = await newBus();
    await bus.ensureStream(STREAM);
    await bus.ensureStream(STREAM); // idempotent
    // Published before anyone consumes: kept by the stream.
    await bus.publish(happened, ['dev.1'], { n: 1 }, 'm-1');
    await bus.publish(happened, ['dev.1'], { n: 1 }, 'm-1');
    await bus.publish(happened, ['dev.2'], { n: 2 }, 'm-2');
    const seen: { n: number; delivery: number; subject: string }[] = [];
    let failOnce = true;
    await bus.consume(happened, { durable: 'it-consumer' }, (payload, meta) => {
      seen.push({ n: payload.n, delivery: meta.deliveryCount, subject: meta.subject });
      if (payload.n === 2 && failOnce) {
        failOnce = false;
        return Promise.reject(new Error('transient'));
      }
      return Promise.resolve();
    });
    await waitFor(() => seen.filter((s) => s.n === 2).length === 2, { what: 'redelivery of the failed event' });
    expect(seen.filter((s) => s.n === 1)).toHaveLength(1);
    expect(seen.find((s) => s.n === 2 && s.delivery === 2)).toBeDefined();
    // The dot in the device name became one encoded subject token.
    expect(seen[0].subject.endsWith('testev.v1.happened.dev~2e1')).toBe(true);
  });
});

import { Logger } from '@nestjs/common';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { headers as natsHeaders, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  DomainError,
  ErrorCode,
  type EventContract,
  type RpcContract,
  type RpcReply,
  type SignalContract,
  type StreamSpec,
} from '@iot/contracts';
import { NoRespondersError, RequestMux } from './request-mux';

const NANOS_PER_MS = 1_000_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface RequestOptions {
  timeoutMs?: number;
}

export interface ConsumeOptions {
  /** Durable consumer name: one per service (replicas share it, so each event is handled once). */
  durable: string;
  /** Events handled at the same time by this replica. */
  concurrency?: number;
  /** Redeliveries before the server gives up on an event. */
  maxDeliver?: number;
  ackWaitMs?: number;
  /** Where a new consumer starts: every retained event, or only those published from now on. */
  deliver?: 'all' | 'new';
  /** A narrower subject filter than the contract's (before namespacing), e.g. one uplink family. */
  filter?: string;
  /** Events with the same key are handled one after another, in stream order (e.g. per device). */
  partitionBy?: (subject: string) => string;
}

export interface EventMeta {
  subject: string;
  /** 1 on first delivery, more on redelivery. */
  deliveryCount: number;
  messageId?: string;
}

/** Waits before sending a request again that reached no responder. */
const NO_RESPONDER_RETRY_MS = [25, 100, 250];

/** Delays between redeliveries of an event whose handler failed. */
const RETRY_DELAYS_MS = [500, 2_000, 5_000, 15_000, 30_000];

/**
 * The platform's bus: typed request/reply and signals on core NATS, durable events on JetStream.
 * Every subject and stream name is prefixed with the namespace, so several platforms (a developer's
 * and a test run, say) can share one NATS server without hearing each other.
 */
export class Bus {
  private readonly logger = new Logger('Bus');
  private readonly js: JetStreamClient;
  private jsmPromise?: Promise<JetStreamManager>;
  private readonly ensuredStreams = new Map<string, Promise<void>>();
  private readonly subscriptions: Subscription[] = [];
  private readonly consumers: ConsumerMessages[] = [];
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly requests: RequestMux;

  constructor(
    readonly connection: NatsConnection,
    private readonly namespace: string,
  ) {
    this.js = jetstream(connection);
    this.requests = new RequestMux(connection);
  }

  isConnected(): boolean {
    return !this.connection.isClosed() && !this.connection.isDraining();
  }

  subject(subject: string): string {
    return this.namespace ? `${this.namespace}.${subject}` : subject;
  }

  streamName(spec: StreamSpec): string {
    return this.namespace ? `${this.namespace.replace(/[^A-Za-z0-9_-]/g, '_').toUpperCase()}_${spec.name}` : spec.name;
  }

  /**
   * Sends a request and returns the data of the reply; a remote DomainError is rethrown here.
   * "No responders" means nobody received the request, so it is safe to send again: it is, a few times over
   * a few hundred milliseconds (a service restarting, or interest not yet propagated), before giving up.
   */
  async request<Req, Res>(contract: RpcContract<Req, Res>, payload: Req, options: RequestOptions = {}): Promise<Res> {
    let msg: Msg | undefined;
    for (let attempt = 0; !msg; attempt++) {
      try {
        msg = await this.requests.request(this.subject(contract.subject), encode(payload), options.timeoutMs ?? 5_000);
      } catch (error) {
        if (error instanceof NoRespondersError && attempt < NO_RESPONDER_RETRY_MS.length) {
          await new Promise((r) => setTimeout(r, NO_RESPONDER_RETRY_MS[attempt]));
          continue;
        }
        throw new DomainError(
          ErrorCode.SERVICE_UNAVAILABLE,
          `No answer on ${contract.subject}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    const reply = decode<RpcReply<Res>>(msg.data);
    if (reply.ok) return reply.data;
    throw new DomainError(reply.error.code, reply.error.message, reply.error.details);
  }

  /**
   * Answers requests on a contract. Replicas join one queue group, so each request is handled once.
   * A thrown DomainError travels back to the caller; anything else becomes INTERNAL (and is logged here).
   */
  serve<Req, Res>(contract: RpcContract<Req, Res>, handler: (payload: Req) => Promise<Res>): void {
    const sub = this.connection.subscribe(this.subject(contract.subject), {
      queue: contract.subject,
      callback: (err, msg) => {
        if (err) {
          this.logger.error(`subscription ${contract.subject} failed: ${err.message}`);
          return;
        }
        this.track(this.answer(contract, msg, handler));
      },
    });
    this.subscriptions.push(sub);
  }

  emit<T>(contract: SignalContract<T>, payload: T): void {
    this.connection.publish(this.subject(contract.subject), encode(payload));
  }

  /** Every replica receives every signal (no queue group): used for commands like "kick this client". */
  onSignal<T>(contract: SignalContract<T>, handler: (payload: T) => Promise<void>): void {
    const sub = this.connection.subscribe(this.subject(contract.subject), {
      callback: (err, msg) => {
        if (err) return;
        this.track(
          handler(decode<T>(msg.data)).catch((error: unknown) =>
            this.logger.error(`signal ${contract.subject} handler failed: ${describe(error)}`),
          ),
        );
      },
    });
    this.subscriptions.push(sub);
  }

  /**
   * Listens for one signal before the caller triggers it (e.g. a device's reply to a sync call that another
   * replica will receive): the subscription is registered with the server when this resolves, and the
   * returned function waits for the signal, or undefined after `timeoutMs`.
   */
  async listenOnce<T>(contract: SignalContract<T>, timeoutMs: number): Promise<() => Promise<T | undefined>> {
    const sub = this.connection.subscribe(this.subject(contract.subject), { max: 1, timeout: timeoutMs });
    await this.connection.flush();
    return async () => {
      try {
        for await (const msg of sub) return decode<T>(msg.data);
      } catch {
        // The subscription's timeout: no signal in time.
      }
      return undefined;
    };
  }

  /** Creates the stream if missing and brings its settings up to date; safe to call from every replica. */
  async ensureStream(spec: StreamSpec): Promise<void> {
    const name = this.streamName(spec);
    let pending = this.ensuredStreams.get(name);
    if (!pending) {
      pending = this.createOrUpdateStream(spec, name);
      this.ensuredStreams.set(name, pending);
      pending.catch(() => this.ensuredStreams.delete(name));
    }
    return pending;
  }

  /** Publishes an event durably. With a messageId, a repeat inside the stream's window is dropped by the server. */
  async publish<T, Tokens extends readonly string[]>(
    contract: EventContract<T, Tokens>,
    tokens: Tokens,
    payload: T,
    messageId?: string,
  ): Promise<void> {
    await this.ensureStream(contract.stream);
    await this.js.publish(this.subject(contract.subject(...tokens)), encode(payload), {
      msgID: messageId,
    });
  }

  /**
   * Consumes events with a durable pull consumer: acknowledged after the handler resolves,
   * redelivered with growing delays when it throws.
   */
  async consume<T, Tokens extends readonly string[]>(
    contract: EventContract<T, Tokens>,
    options: ConsumeOptions,
    handler: (payload: T, meta: EventMeta) => Promise<void>,
  ): Promise<void> {
    await this.ensureStream(contract.stream);
    const stream = this.streamName(contract.stream);
    const jsm = await this.manager();
    // One filter_subject: filter_subjects needs NATS 2.10, older servers are still common.
    const filtering = { filter_subject: this.subject(options.filter ?? contract.filter) };
    const config = {
      durable_name: options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: options.deliver === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
      ...filtering,
      max_deliver: options.maxDeliver ?? 20,
      ack_wait: (options.ackWaitMs ?? 30_000) * NANOS_PER_MS,
      max_ack_pending: 10_000,
    };
    try {
      await jsm.consumers.add(stream, config);
    } catch (error) {
      // The consumer exists (another replica, an earlier run) with other settings: update what may change.
      if (!(error instanceof JetStreamApiError)) throw error;
      await jsm.consumers.update(stream, options.durable, {
        max_deliver: config.max_deliver,
        ack_wait: config.ack_wait,
        max_ack_pending: config.max_ack_pending,
        ...filtering,
      });
    }
    const consumer = await this.js.consumers.get(stream, options.durable);
    const messages = await consumer.consume({ max_messages: Math.max(64, (options.concurrency ?? 1) * 4) });
    this.consumers.push(messages);
    void this.runConsumer(messages, options.concurrency ?? 1, options.partitionBy, (m) =>
      this.handleEvent(contract, m, handler),
    );
  }

  /** Stops taking new work, waits for handlers in flight, then closes the connection. */
  async close(): Promise<void> {
    for (const sub of this.subscriptions) sub.unsubscribe();
    for (const c of this.consumers) await c.close();
    await Promise.allSettled([...this.inflight]);
    this.requests.close();
    if (!this.connection.isClosed()) await this.connection.drain();
  }

  private async answer<Req, Res>(
    contract: RpcContract<Req, Res>,
    msg: Msg,
    handler: (payload: Req) => Promise<Res>,
  ): Promise<void> {
    let reply: RpcReply<Res>;
    try {
      reply = { ok: true, data: await handler(decode<Req>(msg.data)) };
    } catch (error) {
      if (error instanceof DomainError) {
        reply = { ok: false, error: { code: error.code, message: error.message, details: error.details } };
      } else {
        this.logger.error(`${contract.subject} failed: ${describe(error)}`);
        reply = { ok: false, error: { code: ErrorCode.INTERNAL, message: 'Internal error' } };
      }
    }
    msg.respond(encode(reply));
  }

  private async handleEvent<T>(
    contract: EventContract<T, readonly string[]>,
    m: JsMsg,
    handler: (payload: T, meta: EventMeta) => Promise<void>,
  ): Promise<void> {
    const meta: EventMeta = {
      subject: m.subject,
      deliveryCount: m.info.deliveryCount,
      messageId: m.headers?.get('Nats-Msg-Id') || undefined,
    };
    try {
      await handler(decode<T>(m.data), meta);
      m.ack();
    } catch (error) {
      const delay = RETRY_DELAYS_MS[Math.min(meta.deliveryCount - 1, RETRY_DELAYS_MS.length - 1)];
      this.logger.warn(
        `${contract.filter} handler failed (delivery ${meta.deliveryCount}, retry in ${delay} ms): ${describe(error)}`,
      );
      m.nak(delay);
    }
  }

  /** Up to `concurrency` events at once; with a partition key, one at a time per key, in order. */
  private async runConsumer(
    messages: ConsumerMessages,
    concurrency: number,
    partitionBy: ((subject: string) => string) | undefined,
    handle: (m: JsMsg) => Promise<void>,
  ): Promise<void> {
    const running = new Set<Promise<void>>();
    const tails = new Map<string, Promise<void>>();
    for await (const m of messages) {
      let p: Promise<void>;
      if (partitionBy) {
        const key = partitionBy(m.subject);
        const previous = tails.get(key) ?? Promise.resolve();
        p = previous.then(() => handle(m));
        tails.set(key, p);
        void p.finally(() => tails.get(key) === p && tails.delete(key));
      } else {
        p = handle(m);
      }
      const tracked = p.finally(() => running.delete(tracked));
      running.add(tracked);
      this.track(tracked);
      if (running.size >= concurrency) await Promise.race(running);
    }
  }

  private async createOrUpdateStream(spec: StreamSpec, name: string): Promise<void> {
    const jsm = await this.manager();
    const config = {
      name,
      subjects: spec.subjects.map((s) => this.subject(s)),
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: spec.maxAgeSeconds * 1_000 * NANOS_PER_MS,
      duplicate_window: spec.duplicateWindowSeconds * 1_000 * NANOS_PER_MS,
    };
    try {
      await jsm.streams.info(name);
      await jsm.streams.update(name, config);
    } catch (error) {
      if (!(error instanceof JetStreamApiError)) throw error;
      try {
        await jsm.streams.add(config);
      } catch (addError) {
        // Another replica created it between our info and add.
        if (!(addError instanceof JetStreamApiError)) throw addError;
        await jsm.streams.update(name, config);
      }
    }
  }

  private manager(): Promise<JetStreamManager> {
    this.jsmPromise ??= jetstreamManager(this.connection);
    return this.jsmPromise;
  }

  private track(p: Promise<unknown>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }
}

export function encode(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decode<T>(data: Uint8Array): T {
  return JSON.parse(decoder.decode(data)) as T;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export { natsHeaders };

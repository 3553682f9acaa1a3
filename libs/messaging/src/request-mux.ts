import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

interface Pending {
  subject: string;
  resolve: (msg: Msg) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Nobody subscribes to the request's subject: safe to send again. */
export class NoRespondersError extends Error {
  constructor(subject: string) {
    super(`no responders on ${subject}`);
    this.name = 'NoRespondersError';
  }
}

export class RequestTimeoutError extends Error {
  constructor(subject: string, timeoutMs: number) {
    super(`no reply on ${subject} within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/**
 * Request/reply over one wildcard inbox subscription, on nats.js's public API (subscribe, publish), as its
 * own `request()` does. Why not that: it builds and throws away an Error — a stack capture — for every
 * request it completes (`RequestOne.cancel`), about a tenth of a busy service's CPU. "No responders" is the
 * server's 503 status message on the reply subject (the client asks for it by default).
 */
export class RequestMux {
  private readonly prefix = `${createInbox()}.`;
  private readonly pending = new Map<string, Pending>();
  private subscription?: Subscription;
  private next = 0;

  constructor(private readonly connection: NatsConnection) {}

  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Msg> {
    this.subscription ??= this.connection.subscribe(`${this.prefix}*`, {
      callback: (error, msg) => (error ? this.failAll(error) : this.onReply(msg)),
    });
    const token = (this.next++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new RequestTimeoutError(subject, timeoutMs));
      }, timeoutMs);
      this.pending.set(token, { subject, resolve, reject, timer });
      try {
        this.connection.publish(subject, data, { reply: `${this.prefix}${token}` });
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(token);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Requests waiting for a reply. */
  get waiting(): number {
    return this.pending.size;
  }

  close(): void {
    this.subscription?.unsubscribe();
    this.failAll(new Error('bus closed'));
  }

  private onReply(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length);
    const pending = this.pending.get(token);
    if (!pending) return; // Timed out already.
    this.pending.delete(token);
    clearTimeout(pending.timer);
    if (msg.data.length === 0 && msg.headers?.code === 503) pending.reject(new NoRespondersError(pending.subject));
    else pending.resolve(msg);
  }

  private failAll(error: Error): void {
    for (const [token, pending] of this.pending) {
      this.pending.delete(token);
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }
}

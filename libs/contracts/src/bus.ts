/**
 * A request/reply contract on core NATS: the subject and, through the type parameters, the payloads.
 * Apps never write a subject string by hand; they pass one of these to the bus.
 */
export interface RpcContract<Req, Res> {
  readonly kind: 'rpc';
  readonly subject: string;
  /** Phantom fields: carry the payload types, never set at run time. */
  readonly _req?: Req;
  readonly _res?: Res;
}

/** A JetStream stream: what it captures and how long it keeps it. */
export interface StreamSpec {
  readonly name: string;
  /** Subject filters captured by the stream (before namespacing). */
  readonly subjects: readonly string[];
  readonly maxAgeSeconds: number;
  /** Window in which a repeated message id is dropped by the server. */
  readonly duplicateWindowSeconds: number;
}

/** An event published durably to JetStream, on a subject built from tokens (e.g. product key and device name). */
export interface EventContract<T, Tokens extends readonly string[] = readonly string[]> {
  readonly kind: 'event';
  readonly stream: StreamSpec;
  /** Subject for one event; tokens are encoded with {@link encodeSubjectToken}. */
  subject(...tokens: Tokens): string;
  /** Subject filter matching every event of this contract. */
  readonly filter: string;
  readonly _payload?: T;
}

/** A fire-and-forget message on core NATS (no persistence), e.g. a command to every bridge replica. */
export interface SignalContract<T> {
  readonly kind: 'signal';
  readonly subject: string;
  readonly _payload?: T;
}

export function rpc<Req, Res>(subject: string): RpcContract<Req, Res> {
  return { kind: 'rpc', subject };
}

export function signal<T>(subject: string): SignalContract<T> {
  return { kind: 'signal', subject };
}

export function event<T, Tokens extends readonly string[]>(
  stream: StreamSpec,
  base: string,
  tokenCount: Tokens['length'],
): EventContract<T, Tokens> {
  const wildcards = Array.from({ length: tokenCount }, () => '*');
  return {
    kind: 'event',
    stream,
    filter: [base, ...wildcards].join('.'),
    subject: (...tokens: Tokens) => [base, ...tokens.map(encodeSubjectToken)].join('.'),
  };
}

const UNSAFE_TOKEN_CHARS = /[.*>~\s]/g;

/**
 * ProductKeys and DeviceNames may contain `.`, a NATS token separator. Encode such characters
 * (and the escape character itself) as `~XX` so every value becomes exactly one subject token.
 */
export function encodeSubjectToken(value: string): string {
  if (value.length === 0) return '~';
  return value.replace(UNSAFE_TOKEN_CHARS, (c) => `~${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function decodeSubjectToken(token: string): string {
  if (token === '~') return '';
  return token.replace(/~([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

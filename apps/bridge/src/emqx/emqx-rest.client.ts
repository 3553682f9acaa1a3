import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { DomainError, ErrorCode } from '@iot/contracts';

export interface EmqxRestOptions {
  /** Base of the management API, e.g. `http://emqx:18083/api/v5`. */
  apiUrl: string;
  /** API key and secret (HTTP Basic), from EMQX's `api_key.bootstrap_file`. */
  apiKey: string;
  apiSecret: string;
  /** Per request; EMQX answers management calls in milliseconds when it is healthy. */
  timeoutMs?: number;
}

export const EMQX_REST_OPTIONS = Symbol('EMQX_REST_OPTIONS');

export interface EmqxPublishRequest {
  topic: string;
  /** Payload bytes, base64. */
  payload: string;
  qos: 0 | 1 | 2;
}

export interface EmqxPublishResult {
  /** 200: at least one subscriber (or persistent session) took it; 202: nobody is subscribed. */
  delivered: boolean;
  /** EMQX's message id, when delivered. */
  id?: string;
}

/** One row of `GET /clients`, connected or a persistent session whose client is away. */
export interface EmqxClientInfo {
  clientId: string;
  username?: string;
  connected: boolean;
  /** RFC 3339, as EMQX reports it. */
  connectedAt?: string;
}

export interface EmqxClientFilter {
  clientIds?: readonly string[];
  usernames?: readonly string[];
}

const DEFAULT_TIMEOUT_MS = 5_000;
const PAGE_LIMIT = 100;
const MAX_PAGES = 100;
/** Values per `GET /clients` request, so the query string stays short. */
const FILTER_CHUNK = 50;

const errorBody = z.looseObject({ message: z.string().optional(), code: z.string().optional() });
const publishOk = z.looseObject({ id: z.string().optional() });
const clientsPage = z.looseObject({
  data: z.array(
    z.looseObject({
      clientid: z.string(),
      username: z.string().nullish(),
      connected: z.boolean().optional(),
      connected_at: z.string().nullish(),
    }),
  ),
  meta: z.looseObject({ hasnext: z.boolean().optional() }).optional(),
});

interface HttpResult {
  status: number;
  body: unknown;
}

/**
 * EMQX 5.x management REST API (emqx-contract.md §4): downlink publish, kick, client lookup and the
 * unauthenticated status probe. Every failure surfaces as a DomainError: VALIDATION_FAILED when EMQX
 * refused the request itself (400), SERVICE_UNAVAILABLE for everything else.
 */
@Injectable()
export class EmqxRestClient {
  private readonly base: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;

  constructor(@Inject(EMQX_REST_OPTIONS) options: EmqxRestOptions) {
    this.base = options.apiUrl.replace(/\/+$/, '');
    this.authorization = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString('base64')}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** `POST /publish` with a base64 payload. The message bypasses EMQX's authz (§4.2). */
  async publish(request: EmqxPublishRequest): Promise<EmqxPublishResult> {
    const res = await this.send('POST', '/publish', {
      topic: request.topic,
      qos: request.qos,
      retain: false,
      payload: request.payload,
      payload_encoding: 'base64',
    });
    switch (res.status) {
      case 200: {
        const ok = publishOk.safeParse(res.body);
        return { delivered: true, id: ok.success ? ok.data.id : undefined };
      }
      case 202:
        return { delivered: false };
      case 400:
        throw new DomainError(ErrorCode.VALIDATION_FAILED, `EMQX refused the publish: ${describe(res)}`, {
          topic: request.topic,
        });
      default:
        throw unavailable('publish', res);
    }
  }

  /**
   * `DELETE /clients/{clientid}`: closes the connection and destroys its session, persistent or not.
   * @returns false when EMQX knows no such client (already gone).
   */
  async kick(clientId: string): Promise<boolean> {
    const res = await this.send('DELETE', `/clients/${encodeURIComponent(clientId)}`);
    if (res.status === 204) return true;
    if (res.status === 404) return false;
    throw unavailable('kick', res);
  }

  /** `GET /clients` filtered by exact client ids and/or usernames; every page. */
  async listClients(filter: EmqxClientFilter): Promise<EmqxClientInfo[]> {
    const queries: URLSearchParams[] = [
      ...chunks(filter.clientIds ?? []).map((ids) => params('clientid', ids)),
      ...chunks(filter.usernames ?? []).map((names) => params('username', names)),
    ];
    const found = new Map<string, EmqxClientInfo>();
    for (const query of queries) {
      for (let page = 1; page <= MAX_PAGES; page++) {
        query.set('page', String(page));
        query.set('limit', String(PAGE_LIMIT));
        const res = await this.send('GET', `/clients?${query.toString()}`);
        if (res.status !== 200) throw unavailable('client lookup', res);
        const parsed = clientsPage.safeParse(res.body);
        if (!parsed.success) {
          throw new DomainError(ErrorCode.SERVICE_UNAVAILABLE, 'EMQX client lookup: unexpected response body');
        }
        for (const c of parsed.data.data) {
          found.set(c.clientid, {
            clientId: c.clientid,
            username: c.username ?? undefined,
            connected: c.connected ?? false,
            connectedAt: c.connected_at ?? undefined,
          });
        }
        if (parsed.data.meta?.hasnext !== true) break;
      }
    }
    return [...found.values()];
  }

  /** `GET /status` (no credentials): whether the broker is up. Never throws. */
  async isUp(): Promise<boolean> {
    try {
      const res = await this.send('GET', '/status', undefined, false);
      return res.status === 200;
    } catch (error) {
      if (error instanceof DomainError) return false;
      throw error;
    }
  }

  private async send(method: string, path: string, body?: unknown, authenticate = true): Promise<HttpResult> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (authenticate) headers.authorization = this.authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs} ms`
          : networkError(error);
      throw new DomainError(ErrorCode.SERVICE_UNAVAILABLE, `EMQX ${method} ${path.split('?')[0]}: ${reason}`);
    }
    return { status: response.status, body: parseJson(text) };
  }
}

function params(name: string, values: readonly string[]): URLSearchParams {
  const query = new URLSearchParams();
  for (const value of values) query.append(name, value);
  return query;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += FILTER_CHUNK) out.push(items.slice(i, i + FILTER_CHUNK));
  return out;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // Not JSON (a proxy's HTML error page, say): keep the text for the error message.
    return error instanceof SyntaxError ? text : undefined;
  }
}

/** EMQX's own words: `message` (and `code`) of its error bodies, else the raw text. */
function describe(res: HttpResult): string {
  const parsed = errorBody.safeParse(res.body);
  if (parsed.success && (parsed.data.message || parsed.data.code)) {
    return [parsed.data.code, parsed.data.message].filter(Boolean).join(': ');
  }
  return typeof res.body === 'string' && res.body !== '' ? res.body.slice(0, 200) : `HTTP ${res.status}`;
}

function unavailable(operation: string, res: HttpResult): DomainError {
  return new DomainError(
    ErrorCode.SERVICE_UNAVAILABLE,
    `EMQX ${operation} failed: HTTP ${res.status} ${describe(res)}`,
    {
      status: res.status,
    },
  );
}

function networkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici hides the socket error (ECONNREFUSED...) in `cause`.
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';

// Test kit for the EMQX integration: fixture loading and a stand-in for EMQX's management API
// (emqx-contract.md §4).

const FIXTURES = resolve(__dirname, '../../fixtures/emqx');

export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook or authn fixture of test/fixtures/emqx, as EMQX sends it. */
export const emqxFixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Record<string, unknown>;

/** A `rest-*.json` fixture: status, headers and body (null for none). */
export const restFixture = (name: string): RecordedResponse =>
  JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as RecordedResponse;

/** A stand-in for EMQX's management API: replays fixture responses and records every request. */
export class FakeEmqx {
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  /** Consumed one per request; the last one repeats. */
  private replies: (RecordedResponse | 'hang')[] = [];

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v5`;
  }

  reply(...replies: (RecordedResponse | 'hang')[]): void {
    this.replies = replies;
  }

  reset(): void {
    this.requests.length = 0;
    this.replies = [];
  }

  listen(): Promise<void> {
    return new Promise((done) => this.server.listen(0, '127.0.0.1', done));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((done, fail) => this.server.close((err) => (err ? fail(err) : done())));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    this.requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    const next = this.replies.length > 1 ? this.replies.shift() : this.replies[0];
    if (next === undefined) {
      res.writeHead(500).end('no reply configured');
      return;
    }
    if (next === 'hang') return; // never answers: the client's timeout must fire
    const body = next.body === null ? '' : typeof next.body === 'string' ? next.body : JSON.stringify(next.body);
    res.writeHead(next.status, next.headers).end(body);
  }
}

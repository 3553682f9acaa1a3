import { Injectable } from '@nestjs/common';
import type { HttpAction } from '@iot/contracts';
import { redactUrl } from '../../rules/action-secrets';
import type { ActionContext } from './action-context';

export const DEFAULT_HTTP_TIMEOUT_MS = 5_000;

/**
 * POSTs the output as JSON; a 2xx answer within the timeout is a success, anything else a failed attempt.
 * Credentials in the URL (`https://user:pass@host/…`) go as HTTP Basic authentication, as curl sends them
 * (fetch refuses such URLs); an `Authorization` header of the action wins. Errors never show the password.
 */
@Injectable()
export class HttpActionRunner {
  async run(action: HttpAction, output: unknown, context: ActionContext): Promise<void> {
    const timeoutMs = action.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    const { url, basic } = splitCredentials(action.url);
    // Only an error shows the URL: redacted then, not on every delivery.
    const failed = (what: string) => new Error(`POST ${redactUrl(action.url)}: ${what}`);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          ...(basic && !hasHeader(action.headers, 'authorization') ? { authorization: basic } : {}),
          ...action.headers,
          'content-type': 'application/json',
          'idempotency-key': context.deliveryKey,
          'x-rule-id': context.ruleId,
        },
        body: JSON.stringify(output),
        // A redirect would turn the POST into a GET without the body: report it instead.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Read the answer so the connection can be reused.
      await response.arrayBuffer();
    } catch (error) {
      if (error instanceof DOMException && error.name === 'TimeoutError')
        throw failed(`no answer within ${timeoutMs} ms`);
      throw failed(describeFetchError(error));
    }
    if (response.status < 200 || response.status > 299)
      throw failed(`HTTP ${response.status} ${response.statusText}`.trimEnd());
  }
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

/** The URL without its userinfo, and that userinfo as a Basic `Authorization` value. */
function splitCredentials(raw: string): { url: string; basic?: string } {
  const url = new URL(raw);
  if (!url.username && !url.password) return { url: raw };
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { url: url.toString(), basic: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

function hasHeader(headers: Record<string, string> | undefined, name: string): boolean {
  return Object.keys(headers ?? {}).some((h) => h.toLowerCase() === name);
}

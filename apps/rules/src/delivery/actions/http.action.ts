import { Injectable } from '@nestjs/common';
import type { HttpAction } from '@iot/contracts';
import type { ActionContext } from './action-context';

export const DEFAULT_HTTP_TIMEOUT_MS = 5_000;

/** POSTs the output as JSON; a 2xx answer within the timeout is a success, anything else a failed attempt. */
@Injectable()
export class HttpActionRunner {
  async run(action: HttpAction, output: unknown, context: ActionContext): Promise<void> {
    const timeoutMs = action.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    let response: Response;
    try {
      response = await fetch(action.url, {
        method: 'POST',
        headers: {
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
        throw new Error(`POST ${action.url}: no answer within ${timeoutMs} ms`);
      throw new Error(`POST ${action.url}: ${describeFetchError(error)}`);
    }
    if (response.status < 200 || response.status > 299)
      throw new Error(`POST ${action.url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
  }
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

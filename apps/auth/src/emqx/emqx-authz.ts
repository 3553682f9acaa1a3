import { z } from 'zod';
import type { SubDeviceAuthorizeRequest } from '@iot/contracts';

// EMQX 5.8's HTTP authorization source (emqx-contract.md §2.2): the request it sends and the reply it
// reads. Pure mapping, no I/O. Only gateway connections ever get here: an ordinary device's authn ACL
// ends in a deny-all, a gateway's lets the topics it does not list fall through to this source (§2.1).

export type EmqxAuthzReply = { result: 'allow' | 'deny' };

export const EMQX_AUTHZ_ALLOW: EmqxAuthzReply = { result: 'allow' };
/** Never `ignore` or a non-200: either would fall through to `no_match`, deny too, but less plainly. */
export const EMQX_AUTHZ_DENY: EmqxAuthzReply = { result: 'deny' };

// Every rendered placeholder is a string (§2.2): qos "1", retain "false"; `${action}` is publish|subscribe.
const requestSchema = z.object({
  clientid: z.string().min(1),
  topic: z.string().min(1),
  action: z.enum(['publish', 'subscribe']),
  username: z.string().optional(),
  peerhost: z.string().optional(),
  qos: z.string().optional(),
  retain: z.string().optional(),
});

export type EmqxAuthzParse = { ok: true; request: SubDeviceAuthorizeRequest } | { ok: false; error: string };

/** Reads EMQX's authz request body. */
export function parseEmqxAuthzRequest(input: unknown): EmqxAuthzParse {
  const parsed = requestSchema.safeParse(input ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      error: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
    };
  }
  const { clientid, topic, action } = parsed.data;
  return { ok: true, request: { clientId: clientid, topic, action } };
}

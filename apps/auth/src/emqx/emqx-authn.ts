import { z } from 'zod';
import type { AclRuleView, MqttAuthenticateReply, MqttAuthenticateRequest, NodeType } from '@iot/contracts';

// EMQX 5.8's HTTP authenticator (emqx-contract.md §1): the request it sends and the reply it reads.
// Pure mapping, no I/O.
//
// The request carries no keepalive (EMQX renders no `${keepalive}` placeholder for authn, §1.2), so
// the 30–1200 s keepalive check of protocol.md §1.3 cannot run here: AuthenticationService skips it
// when `keepalive` is absent, and EMQX accepts any keepalive (apps/bridge then kicks the connection when
// its `client.connected` event reports a keepalive outside the range: KeepaliveGuard).

/** One rule of the `acl` array EMQX ≥ 5.7.2 reads from an allow reply (§2.1). First match wins. */
export interface EmqxAclRule {
  permission: 'allow' | 'deny';
  action: 'publish' | 'subscribe' | 'all';
  topic: string;
}

export type EmqxAuthnReply =
  | {
      result: 'allow';
      is_superuser: false;
      client_attrs: { productKey: string; deviceName: string; iotId: string; nodeType: NodeType };
      acl: EmqxAclRule[];
      /** Unix seconds: EMQX closes the connection then (reason `not_authorized`, §1.3). Token logins only. */
      expire_at?: number;
    }
  | { result: 'deny' };

/** Never `ignore`: with one authenticator that is a denial anyway, and with more it would let a device past us. */
export const EMQX_AUTHN_DENY: EmqxAuthnReply = { result: 'deny' };

/**
 * Closes an ordinary device's list: whatever its rules do not allow is denied there and then. A gateway's
 * list stays open: what its own rules do not match falls through to the HTTP authorization source
 * (`POST /emqx/authz`), which allows its logged-in sub-devices' topics and denies the rest (§2.1 check order:
 * authn ACL, then authz sources, then `no_match = deny`).
 */
const DENY_EVERYTHING_ELSE: EmqxAclRule = { permission: 'deny', action: 'all', topic: '#' };

// Every value EMQX renders is a string, "" when absent (§1.2); a repeated query key would be an array.
const requestSchema = z.object({
  clientid: z.string(),
  username: z.string().default(''),
  password: z.string().default(''),
  peerhost: z.string().optional(),
});

export type EmqxAuthnParse = { ok: true; request: MqttAuthenticateRequest } | { ok: false; error: string };

/** Reads EMQX's authn request: the POST JSON (or form) body, or the GET query string. */
export function parseEmqxAuthnRequest(input: unknown): EmqxAuthnParse {
  const parsed = requestSchema.safeParse(input ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      error: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
    };
  }
  const { clientid, username, password, peerhost } = parsed.data;
  return {
    ok: true,
    request: { clientId: clientid, username, password, ...(peerhost ? { peerhost } : {}) },
  };
}

/**
 * The reply EMQX reads. An allowed device gets its own topic rules followed by a deny-all (not a gateway:
 * see DENY_EVERYTHING_ELSE), and `client_attrs` that name it in every rule-engine event (apps/bridge reads
 * them back, `nodeType` included to recognise gateways). A token login
 * gets `expire_at`, the token's expiry in whole seconds (rounded down, so never after the token).
 */
export function toEmqxAuthnReply(reply: MqttAuthenticateReply, nowMs = Date.now()): EmqxAuthnReply {
  if (!reply.allowed || !reply.device) return EMQX_AUTHN_DENY;
  const { productKey, deviceName, iotId, nodeType } = reply.device;
  const expireAt = reply.expiresAt === undefined ? undefined : Math.floor(reply.expiresAt / 1000);
  // EMQX refuses an `expire_at` that is not in the future (CONNACK 4); the token is as good as expired.
  if (expireAt !== undefined && expireAt <= Math.floor(nowMs / 1000)) return EMQX_AUTHN_DENY;
  return {
    result: 'allow',
    is_superuser: false,
    client_attrs: { productKey, deviceName, iotId, nodeType },
    acl: [...reply.acl.map(toEmqxRule), ...(nodeType === 'gateway' ? [] : [DENY_EVERYTHING_ELSE])],
    ...(expireAt === undefined ? {} : { expire_at: expireAt }),
  };
}

function toEmqxRule(rule: AclRuleView): EmqxAclRule {
  return { permission: rule.permission ?? 'allow', action: rule.action, topic: rule.topic };
}

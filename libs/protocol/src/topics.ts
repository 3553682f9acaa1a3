import { filterWithinFilter, isValidTopicFilter, isValidTopicName, topicMatchesFilter } from './topic-filter';

// The topic catalogue of protocol.md §9: every device topic family is parsed, formatted and
// authorised here and nowhere else.

/** Topic families of protocol.md §9. `custom` is a product-defined `/{pk}/{dn}/…` topic (§0.3). */
export type TopicFamily = 'shadow' | 'thing' | 'rrpc' | 'ota' | 'session' | 'error' | 'custom';

/** A device topic split into family, owner and the rest. */
export interface DeviceTopic {
  family: TopicFamily;
  productKey: string;
  deviceName: string;
  /** remainder after the device part, e.g. 'thing/event/property/post' or 'update' */
  path: string;
}

/**
 * First levels that belong to the platform: `/sys/…`, `/shadow/…`, `/ota/…`, `/ext/…` are never
 * custom topics, even for a ProductKey spelt the same (which isValidProductKey refuses).
 */
export const RESERVED_FIRST_LEVELS: readonly string[] = ['sys', 'shadow', 'ota', 'ext'];

// Charsets only, no lengths: devices of the seeds' examples use keys like `pk` and `10000`, and
// whether a device exists is the caller's question, not the grammar's.
const PRODUCT_KEY_LEVEL = /^[A-Za-z0-9]+$/;
const DEVICE_NAME_LEVEL = /^[A-Za-z0-9_\-@.:]+$/;

const SHADOW_VERBS: readonly string[] = ['update', 'get'];
const OTA_VERBS: readonly string[] = ['inform', 'upgrade', 'progress', 'request'];

function device(family: TopicFamily, productKey: string, deviceName: string, path: string): DeviceTopic | undefined {
  if (!PRODUCT_KEY_LEVEL.test(productKey) || !DEVICE_NAME_LEVEL.test(deviceName)) return undefined;
  return { family, productKey, deviceName, path };
}

/**
 * Parses a concrete device topic (protocol.md §9):
 *
 * | topic | family | path |
 * |---|---|---|
 * | `/sys/{pk}/{dn}/thing/…` | thing | `thing/…` |
 * | `/sys/{pk}/{dn}/rrpc/…` | rrpc | `rrpc/…` |
 * | `/shadow/{update\|get}/{pk}/{dn}` | shadow | the verb |
 * | `/ota/device/{inform\|upgrade\|progress\|request}/{pk}/{dn}` | ota | the verb |
 * | `/ext/session/{pk}/{dn}/combine/…` | session | `combine/…` |
 * | `/ext/error/{pk}/{dn}` | error | `''` |
 * | `/{pk}/{dn}/…` | custom | `…` |
 *
 * @returns `undefined` for anything else: wildcards, empty levels, no leading `/` (e.g. `$SYS/…`),
 *   an unknown shape under a reserved first level, or a pk/dn with characters they cannot have.
 */
export function parseDeviceTopic(topic: string): DeviceTopic | undefined {
  if (!topic.startsWith('/') || !isValidTopicName(topic)) return undefined;
  // One seed example publishes to `/shadow/update/{pk}/{dn}/`: a trailing slash on a shadow topic is the same topic.
  const trimmed = topic.startsWith('/shadow/') && topic.endsWith('/') ? topic.slice(0, -1) : topic;
  const levels = trimmed.slice(1).split('/');
  if (levels.includes('')) return undefined;
  const n = levels.length;
  switch (levels[0]) {
    case 'sys': {
      const [, pk, dn, kind] = levels;
      if (n < 5 || (kind !== 'thing' && kind !== 'rrpc')) return undefined;
      return device(kind, pk, dn, levels.slice(3).join('/'));
    }
    case 'shadow': {
      const [, verb, pk, dn] = levels;
      return n === 4 && SHADOW_VERBS.includes(verb) ? device('shadow', pk, dn, verb) : undefined;
    }
    case 'ota': {
      const [, scope, verb, pk, dn] = levels;
      return n === 5 && scope === 'device' && OTA_VERBS.includes(verb) ? device('ota', pk, dn, verb) : undefined;
    }
    case 'ext': {
      const [, kind, pk, dn, sub] = levels;
      if (kind === 'error' && n === 4) return device('error', pk, dn, '');
      if (kind === 'session' && n >= 6 && sub === 'combine')
        return device('session', pk, dn, levels.slice(4).join('/'));
      return undefined;
    }
    default: {
      const [pk, dn] = levels;
      return n >= 3 ? device('custom', pk, dn, levels.slice(2).join('/')) : undefined;
    }
  }
}

/** What a device does with a topic. */
export type AclAction = 'publish' | 'subscribe';

/** One allow rule: an MQTT topic filter and the action(s) it grants. Also sent to EMQX as `acl`. */
export interface AclRule {
  /** Rules are read in order and the first match decides (as EMQX reads them); absent means allow. */
  permission?: 'allow' | 'deny';
  action: AclAction | 'all';
  topic: string;
}

/**
 * The allow-list of one device's own topics, as plain MQTT filters with its pk/dn filled in
 * (protocol.md §9: a device may use its own topics only; a gateway adds its logged-in
 * sub-devices' rules). Directions follow §9: `thing`, `rrpc`, `session` and `user` topics carry
 * both requests and replies in either direction, so they are granted `all`.
 *
 * @returns no rules (deny everything) when pk or dn contains characters they cannot have, so a
 *   name such as `+` or `a/b` can never widen the ACL.
 */
export function deviceAclRules(productKey: string, deviceName: string): AclRule[] {
  if (!PRODUCT_KEY_LEVEL.test(productKey) || !DEVICE_NAME_LEVEL.test(deviceName)) return [];
  const own = `${productKey}/${deviceName}`;
  return [
    // Platform-internal topics inside the device's own tree (protocol.md §9, #35 and #36): never from a device.
    { permission: 'deny', action: 'publish', topic: `/sys/${own}/thing/downlink/#` },
    { permission: 'deny', action: 'publish', topic: `/sys/${own}/thing/lifecycle` },
    { action: 'all', topic: `/sys/${own}/thing/#` },
    { action: 'all', topic: `/sys/${own}/rrpc/#` },
    { action: 'publish', topic: `/shadow/update/${own}` },
    { action: 'publish', topic: `/shadow/update/${own}/` },
    { action: 'subscribe', topic: `/shadow/get/${own}` },
    { action: 'publish', topic: `/ota/device/inform/${own}` },
    { action: 'publish', topic: `/ota/device/progress/${own}` },
    { action: 'publish', topic: `/ota/device/request/${own}` },
    { action: 'subscribe', topic: `/ota/device/upgrade/${own}` },
    { action: 'all', topic: `/ext/session/${own}/combine/#` },
    { action: 'subscribe', topic: `/ext/error/${own}` },
    { action: 'all', topic: `/${own}/user/#` },
    { action: 'publish', topic: `/${own}/pub` },
    { action: 'subscribe', topic: `/${own}/get` },
  ];
}

/**
 * The device a topic filter is about, reading wildcard levels as plain ones: `/sys/pk/dn/thing/#` is about
 * pk/dn. A filter wider than one device (`/sys/pk/+/…`) names a device `+`-less but still has to pass
 * that device's ACL, which it cannot ({@link isSubscribeAllowed}).
 */
export function parseDeviceTopicFilter(filter: string): DeviceTopic | undefined {
  const plain = filter
    .split('/')
    .map((level) => (level === '+' || level === '#' ? 'x' : level))
    .join('/');
  return parseDeviceTopic(plain);
}

/** Whether a PUBLISH to `topic` is allowed. Topic names with wildcards are always refused. */
export function isPublishAllowed(rules: readonly AclRule[], topic: string): boolean {
  if (!isValidTopicName(topic)) return false;
  const rule = rules.find((r) => r.action !== 'subscribe' && topicMatchesFilter(topic, r.topic));
  return rule !== undefined && rule.permission !== 'deny';
}

/**
 * Whether a SUBSCRIBE to `filter` is allowed: some subscribe rule must cover every topic the
 * filter can match (so `/sys/pk/+/thing/#` or `#` is refused even though it overlaps).
 */
export function isSubscribeAllowed(rules: readonly AclRule[], filter: string): boolean {
  if (!isValidTopicFilter(filter)) return false;
  return rules.some(
    (rule) => rule.permission !== 'deny' && rule.action !== 'publish' && filterWithinFilter(filter, rule.topic),
  );
}

/** The reply topic of an Alink request topic: `topic + '_reply'` (protocol.md §0.2). */
export function replyTopic(topic: string): string {
  return `${topic}_reply`;
}

/** Topic formatters for the platform side (protocol.md §9). */
export const topics = {
  /** `/shadow/get/{pk}/{dn}`: shadow replies and controls to the device. */
  shadowGet: (pk: string, dn: string): string => `/shadow/get/${pk}/${dn}`,
  /** `/shadow/update/{pk}/{dn}`: shadow requests from the device. */
  shadowUpdate: (pk: string, dn: string): string => `/shadow/update/${pk}/${dn}`,
  /**
   * `/sys/{pk}/{dn}/thing/{path}`, `path` relative to `thing/`, e.g. `service/property/set`.
   * A `path` that already starts with `thing/` (a {@link DeviceTopic.path}) is not doubled.
   */
  thing: (pk: string, dn: string, path: string): string =>
    `/sys/${pk}/${dn}/thing/${path.startsWith('thing/') ? path.slice('thing/'.length) : path}`,
  /** `/sys/{pk}/{dn}/rrpc/request/{id}`: synchronous service call to the device. */
  rrpcRequest: (pk: string, dn: string, id: string | number): string => `/sys/${pk}/${dn}/rrpc/request/${id}`,
  /** `/sys/{pk}/{dn}/rrpc/response/{id}`: the device's answer to an RRPC request. */
  rrpcResponse: (pk: string, dn: string, id: string | number): string => `/sys/${pk}/${dn}/rrpc/response/${id}`,
  /** `/ota/device/upgrade/{pk}/{dn}`: firmware upgrade notice to the device. */
  otaUpgrade: (pk: string, dn: string): string => `/ota/device/upgrade/${pk}/${dn}`,
  /** `/ext/error/{pk}/{dn}`: error notices to the device (e.g. 520 for an offline sub-device). */
  extError: (pk: string, dn: string): string => `/ext/error/${pk}/${dn}`,
  /** `/ext/session/{pk}/{dn}/combine/logout_reply`: logout replies and forced-offline notices. */
  sessionLogoutReply: (pk: string, dn: string): string => `/ext/session/${pk}/${dn}/combine/logout_reply`,
  /** `/sys/{pk}/{dn}/thing/downlink/reply/message`: data-exchange topic for rules (§8.2, AMBIG-4). */
  downlinkReply: (pk: string, dn: string): string => `/sys/${pk}/${dn}/thing/downlink/reply/message`,
} as const;

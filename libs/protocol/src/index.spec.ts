import { describe, expect, it } from 'vitest';
import * as protocol from './index';

// Other apps code against these names through `@iot/protocol`; dropping one from the index breaks them.
describe('@iot/protocol index', () => {
  it.each<[string, 'function' | 'object' | 'number']>([
    ['normalizeSignMethod', 'function'],
    ['signContent', 'function'],
    ['hmacHex', 'function'],
    ['signatureMatches', 'function'],
    ['SIGN_EXCLUDE', 'object'],
    ['KEEPALIVE_MIN_SECONDS', 'number'],
    ['KEEPALIVE_MAX_SECONDS', 'number'],
    ['CLIENT_ID_MAX_LENGTH', 'number'],
    ['isKeepaliveAllowed', 'function'],
    ['parseMqttClientId', 'function'],
    ['parseMqttUsername', 'function'],
    ['mqttSignContent', 'function'],
    ['verifyMqttPassword', 'function'],
    ['CONNACK', 'object'],
    ['isValidDeviceName', 'function'],
    ['isValidProductKey', 'function'],
    ['parseDeviceTopic', 'function'],
    ['deviceAclRules', 'function'],
    ['topicMatchesFilter', 'function'],
    ['filterWithinFilter', 'function'],
    ['isValidTopicName', 'function'],
    ['isValidTopicFilter', 'function'],
    ['isPublishAllowed', 'function'],
    ['isSubscribeAllowed', 'function'],
    ['replyTopic', 'function'],
    ['topics', 'object'],
    ['parseAlinkRequest', 'function'],
    ['alinkReply', 'function'],
    ['ALINK_CODE', 'object'],
  ])('exports %s (%s)', (name, type) => {
    expect(typeof (protocol as Record<string, unknown>)[name]).toBe(type);
  });
});

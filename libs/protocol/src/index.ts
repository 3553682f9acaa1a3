// Public API of @iot/protocol: the device protocol as pure functions. Import only from here.

export type { AlinkParseResult, AlinkReply, AlinkRequest } from './alink';
export { ALINK_CODE, alinkReply, parseAlinkRequest } from './alink';

export { isValidDeviceName, isValidProductKey } from './device-name';

export type { MqttUsername, ParsedClientId } from './mqtt-connect';
export {
  CLIENT_ID_MAX_LENGTH,
  CONNACK,
  KEEPALIVE_MAX_SECONDS,
  KEEPALIVE_MIN_SECONDS,
  isKeepaliveAllowed,
  mqttSignContent,
  parseMqttClientId,
  parseMqttUsername,
  verifyMqttPassword,
} from './mqtt-connect';

export type { SignMethod, SignParamValue } from './signing';
export { SIGN_EXCLUDE, hmacHex, normalizeSignMethod, signContent, signatureMatches } from './signing';

export { filterWithinFilter, isValidTopicFilter, isValidTopicName, topicMatchesFilter } from './topic-filter';

export type { AclAction, AclRule, DeviceTopic, TopicFamily } from './topics';
export {
  deviceAclRules,
  isPublishAllowed,
  isSubscribeAllowed,
  parseDeviceTopic,
  parseDeviceTopicFilter,
  replyTopic,
  topics,
} from './topics';
export { encryptOpcUaPassword, decryptOpcUaPassword } from './gateway-config';

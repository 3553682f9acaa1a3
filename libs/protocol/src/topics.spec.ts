import { describe, expect, it } from 'vitest';
import {
  deviceAclRules,
  isPublishAllowed,
  isSubscribeAllowed,
  parseDeviceTopic,
  parseDeviceTopicFilter,
  replyTopic,
  topics,
  type AclRule,
  type DeviceTopic,
} from './topics';

describe('parseDeviceTopic', () => {
  const at = (family: DeviceTopic['family'], path: string, productKey = 'a1PK', deviceName = 'dev1'): DeviceTopic => ({
    family,
    productKey,
    deviceName,
    path,
  });

  it.each<[string, DeviceTopic]>([
    ['/sys/a1PK/dev1/thing/event/property/post', at('thing', 'thing/event/property/post')],
    ['/sys/a1PK/dev1/thing/event/property/post_reply', at('thing', 'thing/event/property/post_reply')],
    ['/sys/a1PK/dev1/thing/service/property/set', at('thing', 'thing/service/property/set')],
    ['/sys/a1PK/dev1/thing/topo/add/notify', at('thing', 'thing/topo/add/notify')],
    ['/sys/a1PK/dev1/thing/downlink/reply/message', at('thing', 'thing/downlink/reply/message')],
    ['/sys/a1PK/dev1/rrpc/request/1234', at('rrpc', 'rrpc/request/1234')],
    ['/sys/a1PK/dev1/rrpc/response/1234', at('rrpc', 'rrpc/response/1234')],
    ['/shadow/update/a1PK/dev1', at('shadow', 'update')],
    ['/shadow/get/a1PK/dev1', at('shadow', 'get')],
    ['/shadow/update/10000/lightbulb', at('shadow', 'update', '10000', 'lightbulb')],
    ['/shadow/update/10000/lightbulb/', at('shadow', 'update', '10000', 'lightbulb')],
    ['/ota/device/inform/a1PK/dev1', at('ota', 'inform')],
    ['/ota/device/upgrade/a1PK/dev1', at('ota', 'upgrade')],
    ['/ota/device/progress/a1PK/dev1', at('ota', 'progress')],
    ['/ota/device/request/a1PK/dev1', at('ota', 'request')],
    ['/ext/session/a1PK/dev1/combine/login', at('session', 'combine/login')],
    ['/ext/session/a1PK/dev1/combine/logout_reply', at('session', 'combine/logout_reply')],
    ['/ext/error/a1PK/dev1', at('error', '')],
    ['/a1PK/dev1/user/update', at('custom', 'user/update')],
    ['/a1PK/dev1/user/a/b/c', at('custom', 'user/a/b/c')],
    ['/a1PK/dev1/pub', at('custom', 'pub')],
    ['/a1PK/dev1/get', at('custom', 'get')],
    ['/pk/device/get', at('custom', 'get', 'pk', 'device')],
    [
      '/sys/pk/AA:BB:CC@x.y_z-1/thing/event/property/post',
      at('thing', 'thing/event/property/post', 'pk', 'AA:BB:CC@x.y_z-1'),
    ],
    // Levels are case-sensitive: only lowercase `sys` is reserved.
    ['/SYS/dev1/x', at('custom', 'x', 'SYS', 'dev1')],
  ])('%s', (topic, expected) => {
    expect(parseDeviceTopic(topic)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['no leading slash', 'sys/a1PK/dev1/thing/event/property/post'],
    ['$SYS', '$SYS/brokers/emqx/version'],
    ['empty', ''],
    ['root', '/'],
    ['+ wildcard', '/sys/a1PK/+/thing/event/property/post'],
    ['# wildcard', '/sys/a1PK/dev1/thing/#'],
    ['empty level', '/sys/a1PK//thing/event/property/post'],
    ['trailing slash', '/a1PK/dev1/user/'],
    ['sys with nothing after thing', '/sys/a1PK/dev1/thing'],
    ['sys with unknown kind', '/sys/a1PK/dev1/other/x'],
    ['sys too short', '/sys/a1PK/dev1'],
    ['shadow unknown verb', '/shadow/delete/a1PK/dev1'],
    ['shadow extra level (named shadow)', '/shadow/update/a1PK/dev1/lights'],
    ['shadow missing dn', '/shadow/update/a1PK'],
    ['ota without device level', '/ota/inform/a1PK/dev1'],
    ['ota unknown verb', '/ota/device/download/a1PK/dev1'],
    ['ota extra level', '/ota/device/inform/a1PK/dev1/x'],
    ['ext session without combine', '/ext/session/a1PK/dev1/login'],
    ['ext session with nothing after combine', '/ext/session/a1PK/dev1/combine'],
    ['ext error extra level', '/ext/error/a1PK/dev1/x'],
    ['ext unknown kind', '/ext/other/a1PK/dev1'],
    ['custom with nothing after dn', '/a1PK/dev1'],
    ['productKey with a dash', '/a1-PK/dev1/user/x'],
    ['deviceName with a space', '/shadow/get/a1PK/dev 1'],
    ['deviceName with &', '/sys/a1PK/dev&1/thing/event/property/post'],
  ])('%s → undefined', (_name, topic) => {
    expect(parseDeviceTopic(topic)).toBeUndefined();
  });
});

describe('deviceAclRules', () => {
  it('lists the allow-list of one device with its pk/dn filled in', () => {
    expect(deviceAclRules('a1PK', 'dev1')).toEqual<AclRule[]>([
      { permission: 'deny', action: 'publish', topic: '/sys/a1PK/dev1/thing/downlink/#' },
      { permission: 'deny', action: 'publish', topic: '/sys/a1PK/dev1/thing/lifecycle' },
      { action: 'all', topic: '/sys/a1PK/dev1/thing/#' },
      { action: 'all', topic: '/sys/a1PK/dev1/rrpc/#' },
      { action: 'publish', topic: '/shadow/update/a1PK/dev1' },
      { action: 'publish', topic: '/shadow/update/a1PK/dev1/' },
      { action: 'subscribe', topic: '/shadow/get/a1PK/dev1' },
      { action: 'publish', topic: '/ota/device/inform/a1PK/dev1' },
      { action: 'publish', topic: '/ota/device/progress/a1PK/dev1' },
      { action: 'publish', topic: '/ota/device/request/a1PK/dev1' },
      { action: 'subscribe', topic: '/ota/device/upgrade/a1PK/dev1' },
      { action: 'all', topic: '/ext/session/a1PK/dev1/combine/#' },
      { action: 'subscribe', topic: '/ext/error/a1PK/dev1' },
      { action: 'all', topic: '/a1PK/dev1/user/#' },
      { action: 'publish', topic: '/a1PK/dev1/pub' },
      { action: 'subscribe', topic: '/a1PK/dev1/get' },
    ]);
  });

  it.each<[string, string, string]>([
    ['wildcard dn', 'a1PK', '+'],
    ['multi-level wildcard dn', 'a1PK', '#'],
    ['dn with a slash', 'a1PK', 'dev1/x'],
    ['pk with a slash', 'a1/PK', 'dev1'],
    ['empty pk', '', 'dev1'],
    ['empty dn', 'a1PK', ''],
  ])('%s → no rules', (_name, pk, dn) => {
    expect(deviceAclRules(pk, dn)).toEqual([]);
  });
});

describe('device ACL', () => {
  const rules = deviceAclRules('a1PK', 'dev1');

  it.each<[string, boolean]>([
    ['/sys/a1PK/dev1/thing/event/property/post', true],
    ['/sys/a1PK/dev1/thing/event/alarm/post', true],
    ['/sys/a1PK/dev1/thing/service/property/set_reply', true],
    ['/sys/a1PK/dev1/thing/topo/add', true],
    ['/sys/a1PK/dev1/thing/deviceinfo/update', true],
    ['/sys/a1PK/dev1/rrpc/response/42', true],
    ['/shadow/update/a1PK/dev1', true],
    ['/shadow/update/a1PK/dev1/', true],
    ['/ota/device/inform/a1PK/dev1', true],
    ['/ota/device/progress/a1PK/dev1', true],
    ['/ota/device/request/a1PK/dev1', true],
    ['/ext/session/a1PK/dev1/combine/login', true],
    ['/ext/session/a1PK/dev1/combine/logout', true],
    ['/a1PK/dev1/user/update', true],
    ['/a1PK/dev1/pub', true],
    // Platform-internal topics inside the device's own tree
    ['/sys/a1PK/dev1/thing/downlink/reply/message', false],
    ['/sys/a1PK/dev1/thing/lifecycle', false],
    // Down-only topics
    ['/shadow/get/a1PK/dev1', false],
    ['/ota/device/upgrade/a1PK/dev1', false],
    ['/ext/error/a1PK/dev1', false],
    ['/a1PK/dev1/get', false],
    // Another device or product
    ['/sys/a1PK/dev2/thing/event/property/post', false],
    ['/sys/b2PK/dev1/thing/event/property/post', false],
    ['/shadow/update/a1PK/dev2', false],
    ['/a1PK/dev2/pub', false],
    ['/ota/device/inform/a1PK/dev2', false],
    ['/ext/session/a1PK/dev2/combine/login', false],
    // Outside the catalogue
    ['/sys/a1PK/dev1/other/x', false],
    ['/a1PK/dev1/other', false],
    ['/a1PK/dev1/pub/x', false],
    ['/ext/session/a1PK/dev1/login', false],
    ['$SYS/brokers', false],
    ['/sys/a1PK/dev1', false],
    // Wildcards are not topic names
    ['/sys/a1PK/dev1/thing/#', false],
    ['/a1PK/dev1/user/+', false],
    ['', false],
  ])('publish %j → %s', (topic, allowed) => {
    expect(isPublishAllowed(rules, topic)).toBe(allowed);
  });

  it.each<[string, boolean]>([
    ['/sys/a1PK/dev1/thing/service/property/set', true],
    ['/sys/a1PK/dev1/thing/#', true],
    ['/sys/a1PK/dev1/thing/service/+', true],
    ['/sys/a1PK/dev1/rrpc/request/+', true],
    ['/sys/a1PK/dev1/rrpc/#', true],
    ['/shadow/get/a1PK/dev1', true],
    ['/ota/device/upgrade/a1PK/dev1', true],
    ['/ext/error/a1PK/dev1', true],
    ['/ext/session/a1PK/dev1/combine/#', true],
    ['/a1PK/dev1/get', true],
    ['/a1PK/dev1/user/#', true],
    ['/a1PK/dev1/user/+/x', true],
    // Up-only topics
    ['/shadow/update/a1PK/dev1', false],
    ['/ota/device/inform/a1PK/dev1', false],
    ['/ota/device/progress/a1PK/dev1', false],
    ['/a1PK/dev1/pub', false],
    // Another device, or filters reaching beyond this device
    ['/sys/a1PK/dev2/thing/#', false],
    ['/shadow/get/a1PK/dev2', false],
    ['/sys/a1PK/+/thing/#', false],
    ['/sys/+/dev1/thing/#', false],
    ['/sys/a1PK/dev1/#', false],
    ['/shadow/get/+/+', false],
    ['/shadow/get/a1PK/+', false],
    ['/ota/device/+/a1PK/dev1', false],
    ['/a1PK/dev1/#', false],
    ['/a1PK/+/get', false],
    ['#', false],
    ['+/#', false],
    ['/#', false],
    ['$SYS/#', false],
    ['$share/g/sys/a1PK/dev1/thing/#', false],
    // Malformed filters
    ['/sys/a1PK/dev1/thing/#/x', false],
    ['/sys/a1PK/dev1/thing/a#', false],
    ['', false],
  ])('subscribe %j → %s', (filter, allowed) => {
    expect(isSubscribeAllowed(rules, filter)).toBe(allowed);
  });

  // alibabacloud-iot-device-sdk 1.2.8 sends these 16 SUBSCRIBEs on every connect (sdk-compat §2.3).
  const presets = [
    '/sys/{pk}/{dn}/thing/event/property/post_reply',
    '/sys/{pk}/{dn}/thing/service/property/set',
    '/sys/{pk}/{dn}/thing/event/+/post_reply',
    '/sys/{pk}/{dn}/thing/deviceinfo/update_reply',
    '/sys/{pk}/{dn}/thing/deviceinfo/delete_reply',
    '/sys/{pk}/{dn}/thing/config/get_reply',
    '/shadow/get/{pk}/{dn}',
    '/sys/{pk}/{dn}/thing/config/push',
    '/sys/{pk}/{dn}/thing/config/push_reply',
    '/sys/{pk}/{dn}/thing/topo/add_reply',
    '/sys/{pk}/{dn}/thing/topo/delete_reply',
    '/sys/{pk}/{dn}/thing/topo/get_reply',
    '/ext/session/{pk}/{dn}/combine/login_reply',
    '/ext/session/{pk}/{dn}/combine/logout_reply',
    '/sys/{pk}/{dn}/thing/sub/register_reply',
    '/sys/{pk}/{dn}/rrpc/request/+',
  ];
  const forDevice = (pk: string, dn: string): string[] => presets.map((t) => t.replace('{pk}', pk).replace('{dn}', dn));

  it.each(forDevice('a1PK', 'dev1'))('official SDK preset %s is granted to its own device', (filter) => {
    expect(isSubscribeAllowed(rules, filter)).toBe(true);
  });

  it.each(forDevice('a1PK', 'dev2'))('official SDK preset %s is refused to another device', (filter) => {
    expect(isSubscribeAllowed(rules, filter)).toBe(false);
  });

  it('a gateway holding its sub-device rules may subscribe the sub-device presets', () => {
    const gateway = [...deviceAclRules('gwPK01', 'gw1'), ...deviceAclRules('a1SUB1', 'sub1')];
    expect(forDevice('a1SUB1', 'sub1').filter((f) => !isSubscribeAllowed(gateway, f))).toEqual([]);
    expect(isPublishAllowed(gateway, '/sys/a1SUB1/sub1/thing/event/property/post')).toBe(true);
    expect(isPublishAllowed(gateway, '/sys/a1SUB1/sub2/thing/event/property/post')).toBe(false);
  });
});

describe('replyTopic', () => {
  it.each<[string, string]>([
    ['/sys/pk/dn/thing/event/property/post', '/sys/pk/dn/thing/event/property/post_reply'],
    ['/sys/pk/dn/thing/service/property/set', '/sys/pk/dn/thing/service/property/set_reply'],
    ['/ext/session/pk/dn/combine/login', '/ext/session/pk/dn/combine/login_reply'],
  ])('%s → %s', (topic, expected) => {
    expect(replyTopic(topic)).toBe(expected);
  });
});

describe('topics formatters', () => {
  it.each<[string, string, string]>([
    ['shadowGet', topics.shadowGet('10000', 'lightbulb'), '/shadow/get/10000/lightbulb'],
    ['shadowUpdate', topics.shadowUpdate('10000', 'lightbulb'), '/shadow/update/10000/lightbulb'],
    ['thing', topics.thing('pk', 'dn', 'service/property/set'), '/sys/pk/dn/thing/service/property/set'],
    [
      'thing with a DeviceTopic path',
      topics.thing('pk', 'dn', 'thing/service/property/set'),
      '/sys/pk/dn/thing/service/property/set',
    ],
    ['rrpcRequest', topics.rrpcRequest('pk', 'dn', '42'), '/sys/pk/dn/rrpc/request/42'],
    ['rrpcRequest numeric id', topics.rrpcRequest('pk', 'dn', 42), '/sys/pk/dn/rrpc/request/42'],
    ['rrpcResponse', topics.rrpcResponse('pk', 'dn', '42'), '/sys/pk/dn/rrpc/response/42'],
    ['otaUpgrade', topics.otaUpgrade('pk', 'dn'), '/ota/device/upgrade/pk/dn'],
    ['extError', topics.extError('pk', 'dn'), '/ext/error/pk/dn'],
    ['sessionLogoutReply', topics.sessionLogoutReply('pk', 'dn'), '/ext/session/pk/dn/combine/logout_reply'],
    ['downlinkReply', topics.downlinkReply('pk', 'dn'), '/sys/pk/dn/thing/downlink/reply/message'],
  ])('%s → %s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it.each<[string, string, DeviceTopic['family']]>([
    ['shadowGet', topics.shadowGet('pk', 'dn'), 'shadow'],
    ['thing', topics.thing('pk', 'dn', 'event/property/post'), 'thing'],
    ['rrpcRequest', topics.rrpcRequest('pk', 'dn', 7), 'rrpc'],
    ['otaUpgrade', topics.otaUpgrade('pk', 'dn'), 'ota'],
    ['extError', topics.extError('pk', 'dn'), 'error'],
    ['sessionLogoutReply', topics.sessionLogoutReply('pk', 'dn'), 'session'],
    ['downlinkReply', topics.downlinkReply('pk', 'dn'), 'thing'],
  ])('%s output parses back as %s', (_name, topic, family) => {
    expect(parseDeviceTopic(topic)).toMatchObject({ family, productKey: 'pk', deviceName: 'dn' });
  });
});

describe('parseDeviceTopicFilter', () => {
  it.each<[string, { productKey: string; deviceName: string } | undefined]>([
    ['/sys/pk1/dn1/thing/#', { productKey: 'pk1', deviceName: 'dn1' }],
    ['/sys/pk1/dn1/thing/service/+', { productKey: 'pk1', deviceName: 'dn1' }],
    ['/sys/pk1/dn1/thing/event/property/post', { productKey: 'pk1', deviceName: 'dn1' }],
    ['/pk1/dn1/user/#', { productKey: 'pk1', deviceName: 'dn1' }],
    ['/sys/pk1/+/thing/#', { productKey: 'pk1', deviceName: 'x' }],
    ['#', undefined],
    ['devices/dn1/up', undefined],
  ])('%s', (filter, device) => {
    const parsed = parseDeviceTopicFilter(filter);
    expect(parsed && { productKey: parsed.productKey, deviceName: parsed.deviceName }).toEqual(device);
  });
});

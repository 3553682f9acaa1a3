import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { MqttClient } from 'mqtt';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  TslEvents,
  type DeadLetterView,
  type DownlinkReplyEvent,
  type Page,
  type PropertiesPostedEvent,
  type RuleAction,
  type RuleView,
} from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { ApiClient, connectDevice, signedConnectOptions, waitFor, type DeviceIdentity } from '@iot/testing';

const platform = inject('platform');
const api = new ApiClient(platform.baseUrl, platform.apiKey);
const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/iot_test';
const clients: MqttClient[] = [];
const servers: Server[] = [];
const subscriptions: Subscription[] = [];
let nc: NatsConnection;
let bus: Bus;
let pg: Pool;
const schema = `rules_e2e_${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  nc = await connect({ servers: platform.natsUrl });
  bus = new Bus(nc, platform.busNamespace);
  pg = new Pool({ connectionString: databaseUrl, max: 2 });
  await pg.query(`CREATE SCHEMA "${schema}"`);
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  for (const s of subscriptions) s.unsubscribe();
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  await pg?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pg?.end();
  await bus?.close();
});

const unique = () => randomBytes(4).toString('hex');

async function newDevice(productKey?: string): Promise<DeviceIdentity> {
  const pk =
    productKey ?? (await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'rules e2e' })).productKey;
  return api.ok<DeviceIdentity>('POST', `/v1/products/${pk}/devices`, {});
}

async function online(d: DeviceIdentity): Promise<MqttClient> {
  const client = await connectDevice(platform.mqttUrl, signedConnectOptions(d));
  clients.push(client);
  return client;
}

interface RuleBody {
  name?: string;
  sql: string;
  actions: RuleAction[];
  errorAction?: RuleAction | null;
  enabled?: boolean;
}

const createRule = (body: RuleBody) =>
  api.ok<RuleView>('POST', '/v1/rules', { name: `e2e ${unique()}`, enabled: true, ...body });

const getRule = (id: string) => api.ok<RuleView>('GET', `/v1/rules/${id}`);

/** An HTTP endpoint of the test's own: records what it is sent and answers with `status`. */
async function httpTarget() {
  const received: { body: unknown; headers: IncomingHttpHeaders; at: number; status: number }[] = [];
  const target = { status: 200, received, url: '' };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ body: JSON.parse(body) as unknown, headers: req.headers, at: Date.now(), status: target.status });
      res.writeHead(target.status).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return target;
}

/** A plain NATS subscriber on an operator subject (no bus namespace); a fresh subject unless given. */
function natsInbox(subject = `e2e.rules.${unique()}`) {
  const messages: { subject: string; data: Record<string, unknown>; deliveryKey?: string }[] = [];
  const sub = nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) return;
      messages.push({ subject: msg.subject, data: msg.json(), deliveryKey: msg.headers?.get('Rule-Delivery-Key') });
    },
  });
  subscriptions.push(sub);
  return { subject, messages };
}

describe('rules: saving', () => {
  it('validates on save: a syntax error comes back with its line and column', async () => {
    const res = await api.call<{ code: string; message: string }>('POST', '/v1/rules', {
      name: 'broken',
      sql: 'SELECT temperature AS t\nFORM "/pk/+/user/update"',
      actions: [],
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('RULE_INVALID');
    expect(res.body.message).toMatch(/expected .* but found "FORM" \(line 2, column 1\)/);

    const badFunction = await api.call<{ code: string; message: string }>('POST', '/v1/rules', {
      name: 'broken',
      sql: 'SELECT nosuch() FROM "/pk/+/user/update"',
      actions: [],
    });
    expect(badFunction.status).toBe(400);
    expect(badFunction.body.message).toContain('Unknown function nosuch() (line 1, column 8)');
  });

  it('validates the actions', async () => {
    const res = await api.call<{ code: string; message: string }>('POST', '/v1/rules', {
      name: 'loop',
      sql: 'SELECT * FROM "/pk/+/user/update"',
      actions: [{ type: 'nats', subject: 'uplink.v1.custom.pk.dn' }],
    });
    expect(res).toMatchObject({ status: 400, body: { code: 'RULE_INVALID' } });
    expect(res.body.message).toContain('belong to the platform');
    const unknownType = await api.call('POST', '/v1/rules', {
      name: 'x',
      sql: 'SELECT * FROM "/a"',
      actions: [{ type: 'email' }],
    });
    expect(unknownType.status).toBe(400);
  });

  it('creates, reads, lists, updates, enables, disables and deletes a rule', async () => {
    const created = await api.ok<RuleView>('POST', '/v1/rules', {
      name: 'crud',
      sql: 'SELECT * FROM "/pk/+/user/update"',
      actions: [{ type: 'nats', subject: 'crud.test' }],
    });
    expect(created).toMatchObject({
      id: expect.any(String),
      name: 'crud',
      description: '',
      enabled: false,
      topic: '/pk/+/user/update',
      errorAction: null,
      counters: { matched: 0, succeeded: 0, failed: 0, deadLettered: 0 },
    });
    expect(await getRule(created.id)).toEqual(created);

    const list = await api.ok<Page<RuleView>>('GET', '/v1/rules?pageSize=200');
    expect(list.items.map((r) => r.id)).toContain(created.id);

    const updated = await api.ok<RuleView>('PUT', `/v1/rules/${created.id}`, {
      name: 'crud 2',
      description: 'now with a condition',
      sql: 'SELECT a FROM "/pk/#" WHERE a > 1',
      actions: [{ type: 'http', url: 'http://127.0.0.1:9/x' }],
      errorAction: { type: 'nats', subject: 'crud.errors' },
    });
    expect(updated).toMatchObject({
      name: 'crud 2',
      description: 'now with a condition',
      topic: '/pk/#',
      enabled: false,
      errorAction: { type: 'nats', subject: 'crud.errors' },
    });

    expect((await api.ok<RuleView>('POST', `/v1/rules/${created.id}/enable`)).enabled).toBe(true);
    expect((await api.ok<RuleView>('POST', `/v1/rules/${created.id}/disable`)).enabled).toBe(false);
    expect((await api.call('DELETE', `/v1/rules/${created.id}`)).status).toBe(204);
    expect(await api.call('GET', `/v1/rules/${created.id}`)).toMatchObject({
      status: 404,
      body: { code: 'RULE_NOT_FOUND' },
    });
    expect((await api.call('POST', `/v1/rules/${created.id}/enable`)).status).toBe(404);
  });
});

describe('rules: credentials are write-only', () => {
  it('shows header values and URL passwords redacted; a view sent back keeps the stored secrets', async () => {
    const d = await newDevice();
    const client = await online(d);
    const target = await httpTarget();
    const withUser = target.url.replace('http://', 'http://hook:hunter2@');
    const databaseUrlWithPassword = databaseUrl.replace('postgresql://postgres@', 'postgresql://postgres:pw@');
    const rule = await createRule({
      sql: `SELECT n FROM "/${d.productKey}/+/user/update" WHERE n > 1`,
      actions: [
        { type: 'http', url: withUser, headers: { authorization: 'Bearer kept' } },
        { type: 'postgres', table: `${schema}.never`, columns: { n: 'n' }, databaseUrl: databaseUrlWithPassword },
      ],
    });
    const shown = await getRule(rule.id);
    expect(shown.actions).toEqual([
      { type: 'http', url: withUser.replace('hunter2', '******'), headers: { authorization: '******' } },
      expect.objectContaining({ databaseUrl: databaseUrlWithPassword.replace(':pw@', ':******@') }),
    ]);
    expect(JSON.stringify(shown)).not.toMatch(/hunter2|Bearer kept|:pw@/);

    // The view back, with a new condition and without the Postgres action: the secrets stay.
    const { name, sql, actions } = shown;
    await api.ok('PUT', `/v1/rules/${rule.id}`, { name, sql: sql.replace('n > 1', 'n > 2'), actions: [actions[0]] });
    await client.publishAsync(`/${d.productKey}/${d.deviceName}/user/update`, JSON.stringify({ n: 3 }), { qos: 1 });
    await waitFor(() => target.received.length === 1, { what: 'the delivery' });
    expect(target.received[0].headers).toMatchObject({
      authorization: 'Bearer kept',
      'x-rule-id': rule.id,
    });
    expect(target.received[0].headers['authorization']).toBe('Bearer kept');

    // A redacted value the rule has nothing for is refused, and the stored rule is unchanged.
    const refused = await api.call<{ code: string; message: string }>('PUT', `/v1/rules/${rule.id}`, {
      name,
      sql,
      actions: [{ type: 'http', url: 'http://127.0.0.1:9/other', headers: { authorization: '******' } }],
    });
    expect(refused).toMatchObject({ status: 400, body: { code: 'RULE_INVALID' } });
    expect(refused.body.message).toMatch(/actions\.0: .*redacted/);
    expect((await getRule(rule.id)).actions).toEqual([actions[0]]);
  });
});

describe('rules: actions against real targets', () => {
  it('the issue example: matching messages are POSTed to an HTTP endpoint, and a disabled rule stops', async () => {
    const d = await newDevice();
    const client = await online(d);
    const target = await httpTarget();
    const topic = `/${d.productKey}/${d.deviceName}/user/update`;
    const rule = await createRule({
      sql: `SELECT temperature AS t, deviceName() AS device FROM "/${d.productKey}/+/user/update" WHERE temperature > 38`,
      actions: [{ type: 'http', url: target.url, headers: { authorization: 'Bearer e2e' } }],
    });
    for (const temperature of [37, 39.5, 38, 41])
      await client.publishAsync(topic, JSON.stringify({ temperature }), { qos: 1 });

    await waitFor(() => target.received.length === 2, { what: 'two matching messages' });
    expect(target.received.map((r) => r.body).sort((a, b) => (a as { t: number }).t - (b as { t: number }).t)).toEqual([
      { t: 39.5, device: d.deviceName },
      { t: 41, device: d.deviceName },
    ]);
    expect(target.received[0].headers).toMatchObject({
      authorization: 'Bearer e2e',
      'x-rule-id': rule.id,
      'idempotency-key': expect.stringContaining(`/${rule.id}/0`),
    });
    await waitFor(async () => (await getRule(rule.id)).counters.succeeded === 2, { what: 'counters' });
    expect((await getRule(rule.id)).counters).toEqual({ matched: 2, succeeded: 2, failed: 0, deadLettered: 0 });

    // Disabled: the next match is not delivered. A second rule on the same messages shows it was read.
    await api.ok('POST', `/v1/rules/${rule.id}/disable`);
    const witness = await createRule({
      sql: `SELECT temperature FROM "/${d.productKey}/+/user/update"`,
      actions: [{ type: 'nats', subject: natsInbox().subject }],
    });
    await client.publishAsync(topic, JSON.stringify({ temperature: 50 }), { qos: 1 });
    await waitFor(async () => (await getRule(witness.id)).counters.matched === 1, { what: 'the witness rule matched' });
    expect((await getRule(rule.id)).counters.matched).toBe(2);
    expect(target.received).toHaveLength(2);
  });

  it('inserts into a Postgres table, every value a parameter', async () => {
    const d = await newDevice();
    const client = await online(d);
    const table = `readings_${unique()}`;
    await pg.query(
      `CREATE TABLE "${schema}"."${table}" (device text, t double precision, note text, meta jsonb, at bigint)`,
    );
    await createRule({
      sql: `SELECT deviceName() AS device, temperature AS t, note, meta, timestamp() AS at FROM "/${d.productKey}/+/user/update"`,
      actions: [
        {
          type: 'postgres',
          table: `${schema}.${table}`,
          columns: { device: 'device', t: 't', note: 'note', meta: 'meta', at: 'at' },
        },
      ],
    });
    const note = `x'); DROP TABLE "${schema}"."${table}"; --`;
    await client.publishAsync(
      `/${d.productKey}/${d.deviceName}/user/update`,
      JSON.stringify({ temperature: 21.5, note, meta: { fw: '1.2', tags: ['a'] } }),
      { qos: 1 },
    );
    const rows = await waitFor(
      async () => {
        const { rows } = await pg.query<{ device: string; t: number; note: string; meta: unknown; at: string }>(
          `SELECT * FROM "${schema}"."${table}"`,
        );
        return rows.length > 0 ? rows : undefined;
      },
      { what: 'the row' },
    );
    expect(rows).toEqual([
      { device: d.deviceName, t: 21.5, note, meta: { fw: '1.2', tags: ['a'] }, at: expect.stringMatching(/^\d{13}$/) },
    ]);
  });

  it("publishes to the operator's NATS subject, without the platform's namespace", async () => {
    const d = await newDevice();
    const client = await online(d);
    const prefix = `e2e.rules.${unique()}`;
    const { messages: inbox } = natsInbox(`${prefix}.>`);
    const rule = await createRule({
      sql: `SELECT deviceName() AS device, upper(status) AS status, topic(3) AS kind FROM "/${d.productKey}/+/user/#"`,
      actions: [{ type: 'nats', subject: `${prefix}.\${device}` }],
    });
    await client.publishAsync(`/${d.productKey}/${d.deviceName}/user/status`, '{"status":"ok"}', { qos: 1 });
    await waitFor(() => inbox.length === 1, { what: 'the NATS message' });
    expect(inbox[0]).toEqual({
      subject: `${prefix}.${d.deviceName}`,
      data: { device: d.deviceName, status: 'OK', kind: 'user' },
      deliveryKey: expect.stringMatching(new RegExp(`/${rule.id}/0$`)),
    });
  });

  it('republishes to a device topic through the bridge', async () => {
    const sender = await newDevice();
    const receiver = await newDevice(sender.productKey);
    const senderClient = await online(sender);
    const receiverClient = await online(receiver);
    const inbox: { topic: string; payload: unknown }[] = [];
    receiverClient.on('message', (topic, payload) => inbox.push({ topic, payload: JSON.parse(payload.toString()) }));
    await receiverClient.subscribeAsync(`/${receiver.productKey}/${receiver.deviceName}/user/get`, { qos: 1 });
    await createRule({
      sql: `SELECT deviceName() AS sender, target, command FROM "/${sender.productKey}/+/user/update" WHERE target IS NOT NULL`,
      actions: [{ type: 'republish', topic: `/${sender.productKey}/\${target}/user/get`, qos: 1 }],
    });
    await senderClient.publishAsync(
      `/${sender.productKey}/${sender.deviceName}/user/update`,
      JSON.stringify({ target: receiver.deviceName, command: 'on' }),
      { qos: 1 },
    );
    await waitFor(() => inbox.length === 1, { what: 'the republished message' });
    expect(inbox[0]).toEqual({
      topic: `/${receiver.productKey}/${receiver.deviceName}/user/get`,
      payload: { sender: sender.deviceName, target: receiver.deviceName, command: 'on' },
    });
  });
});

describe('rules: failures are never dropped silently', () => {
  it('retries about 1 s, 3 s and 10 s apart, then dead-letters to the error action; a replay after the fix delivers', async () => {
    const d = await newDevice();
    const client = await online(d);
    const target = await httpTarget();
    target.status = 503;
    const { subject: errorSubject, messages: errorInbox } = natsInbox();
    const rule = await createRule({
      sql: `SELECT temperature AS t FROM "/${d.productKey}/+/user/update"`,
      actions: [{ type: 'http', url: target.url, timeoutMs: 2_000 }],
      errorAction: { type: 'nats', subject: errorSubject },
    });
    const payload = JSON.stringify({ temperature: 45 });
    await client.publishAsync(`/${d.productKey}/${d.deviceName}/user/update`, payload, { qos: 1 });

    await waitFor(() => errorInbox.length === 1, { what: 'the failure report', timeoutMs: 40_000 });
    expect(target.received).toHaveLength(4);
    const gaps = target.received.slice(1).map((r, i) => r.at - target.received[i].at);
    expect(gaps[0]).toBeGreaterThanOrEqual(900);
    expect(gaps[1]).toBeGreaterThanOrEqual(2_900);
    expect(gaps[2]).toBeGreaterThanOrEqual(9_900);
    expect(gaps[2]).toBeLessThan(20_000);

    const report = errorInbox[0].data;
    expect(report).toMatchObject({
      rule: { id: rule.id, name: rule.name },
      action: { index: 0, type: 'http' },
      error: expect.stringContaining('HTTP 503'),
      attempts: 4,
      deadLetterId: expect.any(String),
      message: {
        topic: `/${d.productKey}/${d.deviceName}/user/update`,
        productKey: d.productKey,
        deviceName: d.deviceName,
        payload: Buffer.from(payload).toString('base64'),
        output: { t: 45 },
      },
    });

    const letters = await api.ok<Page<DeadLetterView>>('GET', `/v1/rules/${rule.id}/dead-letters`);
    expect(letters).toMatchObject({ total: 1, page: 1 });
    const [letter] = letters.items;
    expect(letter).toMatchObject({
      id: report.deadLetterId,
      ruleId: rule.id,
      actionIndex: 0,
      action: { type: 'http', url: target.url },
      attempts: 4,
      output: { t: 45 },
      error: expect.stringContaining('HTTP 503'),
      message: { payload: Buffer.from(payload).toString('base64'), deviceName: d.deviceName },
      replayedAt: null,
      replayCount: 0,
    });
    await waitFor(async () => (await getRule(rule.id)).counters.deadLettered === 1, { what: 'counters' });
    expect((await getRule(rule.id)).counters).toEqual({ matched: 1, succeeded: 0, failed: 4, deadLettered: 1 });

    // The target is fixed; the replay delivers the original output.
    target.status = 200;
    const replayed = await api.ok<DeadLetterView>('POST', `/v1/rules/${rule.id}/dead-letters/${letter.id}/replay`);
    expect(replayed).toMatchObject({ id: letter.id, replayCount: 1, replayedAt: expect.any(String) });
    await waitFor(() => target.received.some((r) => r.status === 200), { what: 'the replayed delivery' });
    expect(target.received.at(-1)!.body).toEqual({ t: 45 });
    await waitFor(async () => (await getRule(rule.id)).counters.succeeded === 1, { what: 'success counted' });
    expect((await api.ok<Page<DeadLetterView>>('GET', `/v1/rules/${rule.id}/dead-letters?status=pending`)).total).toBe(
      0,
    );
    expect(
      (await api.call('POST', `/v1/rules/${rule.id}/dead-letters/00000000-0000-0000-0000-000000000000/replay`)).status,
    ).toBe(404);
  }, 60_000);
});

describe('rules: platform topics', () => {
  it('forwards downlink replies from the data-exchange topic', async () => {
    const d = await newDevice();
    const prefix = `e2e.replies.${unique()}`;
    const { messages: inbox } = natsInbox(`${prefix}.>`);
    await createRule({
      sql: `SELECT deviceName() AS device, requestId, code, data, topic AS replyTopic FROM "/sys/${d.productKey}/+/thing/downlink/reply/message" WHERE code = 200`,
      actions: [{ type: 'nats', subject: `${prefix}.\${device}` }],
    });
    const reply: DownlinkReplyEvent = {
      productKey: d.productKey,
      deviceName: d.deviceName,
      commandId: 'cmd-1',
      topic: `/sys/${d.productKey}/${d.deviceName}/thing/service/property/set_reply`,
      reply: { id: '123', code: 200, data: { LightSwitch: 1 } },
      receivedAt: Date.now(),
    };
    await bus.publish(TslEvents.downlinkReply, [d.productKey, d.deviceName], reply);
    await bus.publish(TslEvents.downlinkReply, [d.productKey, d.deviceName], {
      ...reply,
      reply: { id: '124', code: 460, message: 'request parameter error' },
    });
    await waitFor(() => inbox.length === 1, { what: 'the forwarded reply' });
    expect(inbox[0].data).toEqual({
      device: d.deviceName,
      requestId: '123',
      code: 200,
      data: { LightSwitch: 1 },
      replyTopic: reply.topic,
    });
  });

  it('reads validated property posts from the thing-model events', async () => {
    const d = await newDevice();
    const { subject, messages: inbox } = natsInbox();
    await createRule({
      sql: `SELECT items.temperature.value AS temperature, items.temperature.time AS at FROM "/sys/${d.productKey}/+/thing/event/property/post" WHERE items.temperature.value > 30`,
      actions: [{ type: 'nats', subject }],
    });
    const posted: PropertiesPostedEvent = {
      productKey: d.productKey,
      deviceName: d.deviceName,
      items: { temperature: 31.5 },
      times: { temperature: 1_700_000_000_000 },
      requestId: '9',
      receivedAt: Date.now(),
    };
    await bus.publish(TslEvents.propertiesPosted, [d.productKey, d.deviceName], posted);
    await waitFor(() => inbox.length === 1, { what: 'the property post' });
    expect(inbox[0].data).toEqual({ temperature: 31.5, at: 1_700_000_000_000 });
  });

  it('exposes device online and offline, and shadow changes, as topics', async () => {
    const d = await newDevice();
    const { subject: lifecycleSubject, messages: lifecycle } = natsInbox();
    const { subject: shadowSubject, messages: shadow } = natsInbox();
    await createRule({
      sql: `SELECT status, deviceName() AS device, clientIp() AS ip FROM "/sys/${d.productKey}/+/thing/lifecycle"`,
      actions: [{ type: 'nats', subject: lifecycleSubject }],
    });
    await createRule({
      sql: `SELECT version, source, state.desired.color AS color FROM "/shadow/update/${d.productKey}/+/accepted"`,
      actions: [{ type: 'nats', subject: shadowSubject }],
    });
    const client = await online(d);
    await waitFor(() => lifecycle.length === 1, { what: 'online' });
    client.end(true);
    await waitFor(() => lifecycle.length === 2, { what: 'offline' });
    expect(lifecycle.map((m) => m.data.status)).toEqual(['online', 'offline']);
    expect(lifecycle[0].data).toMatchObject({ device: d.deviceName, ip: expect.any(String) });

    await api.ok('POST', `/v1/products/${d.productKey}/devices/${d.deviceName}/shadow`, {
      shadowMessage: JSON.stringify({ method: 'update', state: { desired: { color: 'green' } }, version: 1 }),
    });
    await waitFor(() => shadow.length === 1, { what: 'the shadow change' });
    expect(shadow[0].data).toEqual({ version: 1, source: 'application', color: 'green' });
  });
});

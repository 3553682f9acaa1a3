import { Inject, Injectable, Logger } from '@nestjs/common';
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Counter } from 'prom-client';
import {
  AuthRpc,
  subSessionClientId,
  type DownlinkReply,
  type DownlinkRequest,
  type KickRequest,
} from '@iot/contracts';
import { Bus } from '@iot/messaging';
import {
  CONNACK,
  isPublishAllowed,
  isSubscribeAllowed,
  parseDeviceTopic,
  parseDeviceTopicFilter,
  topicMatchesFilter,
  type AclRule,
} from '@iot/protocol';
import { HealthRegistry } from '@iot/runtime';
import type { BrokerDriver } from '../broker/broker-driver';
import { BRIDGE_CONFIG, type BridgeConfig } from '../config/bridge.env';
import { DeviceEdgeService } from '../edge/device-edge.service';
import { GatewaySessionsService, type GatewayIdentity, type GatewayPort } from '../gateway/gateway-sessions.service';
import { DeviceSessions, subKey, type DeviceSession } from './device-sessions';
import { listen, type Listeners } from './listeners';
import { openRedisSessionStore, type SessionStore } from './redis-sessions';

/** Denied publishes are rerouted here and die: no device may subscribe to it, and `#` never matches `$`. */
const DENIED_TOPIC = '$iot/denied';
/** Alibaba's clientIds carry their `|securemode=…|` extension; Aedes's default limit is 23 characters. */
const MAX_CLIENT_ID_LENGTH = 512;

/** Aedes members that its type declarations leave out. */
interface AedesInternals {
  clients: Record<string, Client & { subscriptions: Record<string, unknown> }>;
  persistence: {
    cleanSubscriptions(client: Client): Promise<unknown>;
    subscriptionsByTopic(topic: string): Promise<unknown[]>;
  };
}

interface PendingConnect {
  keepalive: number;
  clean: boolean;
}

/**
 * The embedded broker (Aedes): MQTT 3.1.1 over TCP and WebSocket with persistent sessions, every CONNECT
 * authenticated by apps/auth, every PUBLISH and SUBSCRIBE checked against the device's topic ACL.
 * Denied subscriptions get SUBACK 0x80 and denied publishes are dropped (and counted); the connection stays up.
 */
@Injectable()
export class EmbeddedBrokerDriver implements BrokerDriver {
  private readonly logger = new Logger(EmbeddedBrokerDriver.name);
  private readonly sessions = new DeviceSessions<Client>();
  private readonly pending = new WeakMap<Client, PendingConnect>();
  private readonly denied: Counter<'action'>;
  private broker?: Aedes;
  private listeners?: Listeners;
  private sessionStore?: SessionStore;

  constructor(
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
    @Inject(Bus) private readonly bus: Bus,
    @Inject(DeviceEdgeService) private readonly edge: DeviceEdgeService,
    @Inject(GatewaySessionsService) private readonly gatewaySessions: GatewaySessionsService,
    @Inject(HealthRegistry) health: HealthRegistry,
  ) {
    this.denied = new Counter({
      name: 'bridge_acl_denied_total',
      help: 'PUBLISH and SUBSCRIBE requests refused by the per-device topic ACL',
      labelNames: ['action'],
      registers: [health.metrics],
    });
    health.register('mqtt', () => this.isReady());
  }

  /** The bound TCP and WebSocket ports (useful when configured as 0). */
  get ports(): { mqtt: number; ws: number } {
    const address = (server: { address(): unknown }) => (server.address() as { port: number } | null)?.port ?? 0;
    return {
      mqtt: this.listeners ? address(this.listeners.tcp) : 0,
      ws: this.listeners ? address(this.listeners.ws) : 0,
    };
  }

  async start(): Promise<void> {
    const { MQTT_SESSIONS_REDIS_URL: sessionsUrl, BUS_NAMESPACE: namespace } = this.config;
    if (sessionsUrl)
      this.sessionStore = await openRedisSessionStore(sessionsUrl, `iot:${namespace || 'default'}:mqtt:`);
    const broker = await Aedes.createBroker({
      maxClientsIdLength: MAX_CLIENT_ID_LENGTH,
      ...(this.sessionStore ? { persistence: this.sessionStore.persistence as never } : {}),
      preConnect: (client, packet, done) => {
        this.pending.set(client, { keepalive: packet.keepalive ?? 0, clean: packet.clean !== false });
        done(null, true);
      },
      authenticate: (client, username, password, done) => {
        this.authenticate(client, username, password).then(
          (error) => (error ? done(error, false) : done(null, true)),
          (error: unknown) => done(authError(CONNACK.serverUnavailable, String(error)), false),
        );
      },
      // Aedes acknowledges a QoS 1 PUBLISH once this callback is called: the message goes to JetStream first,
      // so a PUBACK means the platform has it. A failure closes the connection instead, and the device resends.
      authorizePublish: (client, packet, done) => {
        if (!this.authorizePublish(client, packet)) return done(null);
        this.forwardUplink(packet, client).then(
          () => done(null),
          (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
        );
      },
      authorizeSubscribe: (client, subscription, done) => done(null, this.authorizeSubscribe(client, subscription)),
    });
    broker.on('clientReady', (client) => this.onReady(client));
    broker.on('clientDisconnect', (client) => this.onDisconnect(client));
    broker.on('keepaliveTimeout', (client) => this.markClosing(client, 'keepalive_timeout'));
    broker.on('subscribe', (subscriptions, client) => this.onSubscribe(client, subscriptions));
    this.broker = broker;
    this.listeners = await listen(
      this.config.MQTT_HOST,
      this.config.MQTT_PORT,
      this.config.MQTT_WS_PORT,
      (stream, req) => this.handle(broker, stream, req),
    );
    this.logger.log(
      `embedded MQTT broker on tcp ${this.ports.mqtt}, ws ${this.ports.ws}; sessions in ${sessionsUrl ? 'Redis' : 'memory'}`,
    );
  }

  async stop(): Promise<void> {
    await this.listeners?.close();
    await new Promise<void>((resolve) => (this.broker ? this.broker.close(() => resolve()) : resolve()));
    await this.sessionStore?.close();
  }

  isReady(): boolean {
    const sessionsReady = this.sessionStore?.isReady() ?? true;
    return this.broker !== undefined && !this.broker.closed && this.listeners !== undefined && sessionsReady;
  }

  async publish(request: DownlinkRequest): Promise<DownlinkReply> {
    const broker = this.requireBroker();
    const delivered = await this.hasSubscriber(request.topic);
    await new Promise<void>((resolve, reject) =>
      broker.publish(
        {
          cmd: 'publish',
          topic: request.topic,
          payload: Buffer.from(request.payload, 'base64'),
          qos: request.qos,
          retain: false,
          dup: false,
        },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    return { delivered };
  }

  async kick(request: KickRequest): Promise<void> {
    await this.kickSubSessions(request);
    const broker = this.requireBroker();
    const clients = this.sessions
      .clientsOf(request.productKey, request.deviceName)
      .filter((c) => request.clientId === undefined || c.id === request.clientId);
    for (const client of clients) {
      this.markClosing(client, 'kicked');
      // A disabled or deleted device loses its persistent session too; a replaced connection keeps it.
      if (request.reason !== 'replaced' && !client.clean)
        await internals(broker).persistence.cleanSubscriptions(client);
      client.close();
    }
    if (clients.length)
      this.logger.log(
        `kicked ${clients.length} connection(s) of ${request.productKey}/${request.deviceName} (${request.reason})`,
      );
  }

  /** Sub-device sessions of the device on gateways: closed, the gateway told why (427, 521, 522, 6401). */
  private async kickSubSessions(request: KickRequest): Promise<void> {
    for (const gateway of this.sessions.gatewaysOf(request.productKey, request.deviceName)) {
      const session = this.sessions.get(gateway);
      if (!session) continue;
      if (
        request.clientId &&
        request.clientId !== subSessionClientId(gateway.id, request.productKey, request.deviceName)
      )
        continue;
      const sub = this.sessions.removeSubDevice(gateway, request);
      if (!sub) continue;
      await this.gatewaySessions.forceOffline(this.identity(gateway, session), sub, request.reason, {
        publish: (t, m) => this.publishJson(t, m),
      });
    }
  }

  private identity(client: Client, session: DeviceSession): GatewayIdentity {
    return {
      clientId: client.id,
      productKey: session.productKey,
      deviceName: session.deviceName,
      peerhost: session.peerhost,
    };
  }

  private gatewayPort(client: Client): GatewayPort {
    return {
      publish: (topic, message) => this.publishJson(topic, message),
      // Its own strictly increasing connect times order sessions against the driver's direct connections.
      grant: (_gatewayClientId, sub, acl) => {
        const connectedAt = this.sessions.nextConnectedAt();
        this.sessions.addSubDevice(client, { ...sub, acl, connectedAt });
        return connectedAt;
      },
      revoke: (_gatewayClientId, sub) => this.sessions.removeSubDevice(client, sub)?.connectedAt,
    };
  }

  private async publishJson(topic: string, message: unknown): Promise<void> {
    await this.publish({ topic, payload: Buffer.from(JSON.stringify(message)).toString('base64'), qos: 1 });
  }

  private handle(broker: Aedes, stream: Duplex, request?: IncomingMessage): void {
    broker.handle(stream, request);
  }

  private async authenticate(
    client: Client,
    username?: string,
    password?: Buffer,
  ): Promise<AuthenticateError | undefined> {
    const pending = this.pending.get(client);
    const peerhost = peerOf(client);
    let reply;
    try {
      reply = await this.bus.request(
        AuthRpc.mqttAuthenticate,
        {
          clientId: client.id,
          username: username ?? '',
          password: password?.toString('utf8') ?? '',
          peerhost,
          keepalive: pending?.keepalive,
        },
        { timeoutMs: this.config.AUTH_TIMEOUT_MS },
      );
    } catch (error) {
      this.logger.warn(`authentication unavailable, refusing ${client.id}: ${String(error)}`);
      return authError(CONNACK.serverUnavailable, 'authentication unavailable');
    }
    if (!reply.allowed || !reply.device) return authError(reply.returnCode, reply.reason ?? 'refused');
    this.sessions.add(client, {
      productKey: reply.device.productKey,
      deviceName: reply.device.deviceName,
      acl: reply.acl,
      gateway: reply.device.nodeType === 'gateway',
      subDevices: new Map(),
      connectedAt: this.sessions.nextConnectedAt(),
      peerhost,
      keepalive: pending?.keepalive ?? 0,
      clean: pending?.clean ?? true,
    });
    return undefined;
  }

  /** True when the device may publish there; otherwise the packet is rerouted to die (and counted). */
  private authorizePublish(client: Client | null, packet: PublishPacket): boolean {
    if (!client) return false; // published by the platform itself: nothing to forward
    const session = this.sessions.get(client);
    if (session && aclsOf(session).some((acl) => isPublishAllowed(acl, packet.topic))) return true;
    this.denied.inc({ action: 'publish' });
    this.logger.debug(`dropping ${client.id}'s publish to ${packet.topic}: outside its ACL`);
    if (session?.gateway) this.reportSessionError(session, packet);
    packet.topic = DENIED_TOPIC;
    packet.retain = false;
    return false;
  }

  /** A gateway publishing for a sub-device without a session hears 520 on `/ext/error` (protocol.md §5.3). */
  private reportSessionError(gateway: DeviceSession, packet: PublishPacket): void {
    this.gatewaySessions
      .sessionError(gateway, packet.topic, Buffer.from(packet.payload), { publish: (t, m) => this.publishJson(t, m) })
      .catch((error: unknown) => this.logger.warn(`/ext/error not sent: ${String(error)}`));
  }

  private authorizeSubscribe(client: Client, subscription: Subscription): Subscription | null {
    const session = this.sessions.get(client);
    if (!session || !aclsOf(session).some((acl) => isSubscribeAllowed(acl, subscription.topic))) {
      this.denied.inc({ action: 'subscribe' });
      return null; // SUBACK 0x80 for this filter
    }
    // protocol.md §0.3: QoS 2 is served as QoS 1.
    return subscription.qos > 1 ? { ...subscription, qos: 1 } : subscription;
  }

  private async forwardUplink(packet: PublishPacket, client: Client | null): Promise<void> {
    if (!client || packet.topic.startsWith('$')) return;
    const session = this.sessions.get(client);
    if (!session) return;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (
      session.gateway &&
      (await this.gatewaySessions.handle(
        this.identity(client, session),
        packet.topic,
        payload,
        this.gatewayPort(client),
      ))
    )
      return;
    await this.edge.uplink({
      clientId: client.id,
      topic: packet.topic,
      payload,
      qos: packet.qos,
      receivedAt: Date.now(),
      peerhost: session.peerhost,
    });
  }

  private onReady(client: Client): void {
    const session = this.sessions.get(client);
    if (!session) return;
    this.edge
      .connected({
        type: 'connected',
        productKey: session.productKey,
        deviceName: session.deviceName,
        clientId: client.id,
        connectedAt: session.connectedAt,
        at: Date.now(),
        peerhost: session.peerhost,
        keepalive: session.keepalive,
        cleanSession: session.clean,
      })
      .catch((error: unknown) => this.logger.error(`connect event of ${client.id} not stored: ${String(error)}`));
  }

  /** Granted subscriptions (Aedes reports denied ones with QoS 128); services with queued messages deliver now. */
  private onSubscribe(client: Client, subscriptions: Subscription[]): void {
    const session = this.sessions.get(client);
    const granted = subscriptions.filter((s) => (s.qos as number) !== 128);
    if (!session || granted.length === 0) return;
    // A gateway subscribes for its sub-devices too: one event per device the filters belong to.
    const byDevice = new Map<string, { productKey: string; deviceName: string; topics: string[] }>();
    for (const { topic } of granted) {
      const device = parseDeviceTopicFilter(topic) ?? session;
      const key = subKey(device);
      const entry = byDevice.get(key) ?? { productKey: device.productKey, deviceName: device.deviceName, topics: [] };
      entry.topics.push(topic);
      byDevice.set(key, entry);
    }
    for (const device of byDevice.values()) {
      const own = device.productKey === session.productKey && device.deviceName === session.deviceName;
      const sub = own ? undefined : session.subDevices.get(subKey(device));
      if (!own && !sub) continue;
      this.edge
        .subscribed({
          type: 'subscribed',
          productKey: device.productKey,
          deviceName: device.deviceName,
          clientId: own ? client.id : subSessionClientId(client.id, device.productKey, device.deviceName),
          connectedAt: sub?.connectedAt ?? session.connectedAt,
          at: Date.now(),
          topics: device.topics,
        })
        .catch((error: unknown) => this.logger.error(`subscribe event of ${client.id} not stored: ${String(error)}`));
    }
  }

  private onDisconnect(client: Client): void {
    const subs = [...(this.sessions.get(client)?.subDevices.values() ?? [])];
    const session = this.sessions.remove(client);
    if (!session) return;
    if (subs.length) {
      this.gatewaySessions
        .gatewayGone(this.identity(client, session), subs, session.closeReason ?? 'tcp_closed')
        .catch((error: unknown) =>
          this.logger.error(`sub-device disconnects of ${client.id} not stored: ${String(error)}`),
        );
    }
    this.edge
      .disconnected({
        type: 'disconnected',
        productKey: session.productKey,
        deviceName: session.deviceName,
        clientId: client.id,
        connectedAt: session.connectedAt,
        at: Date.now(),
        peerhost: session.peerhost,
        reason: session.closeReason ?? 'tcp_closed',
      })
      .catch((error: unknown) => this.logger.error(`disconnect event of ${client.id} not stored: ${String(error)}`));
  }

  private markClosing(client: Client, reason: string): void {
    const session = this.sessions.get(client);
    if (session) session.closeReason ??= reason;
  }

  /** Whether a connected client or a stored persistent session subscribes to the topic. */
  private async hasSubscriber(topic: string): Promise<boolean> {
    const broker = this.requireBroker();
    const device = parseDeviceTopic(topic);
    const candidates = device
      ? this.sessions.clientsOf(device.productKey, device.deviceName)
      : Object.values(internals(broker).clients);
    const online = candidates.some((c) =>
      Object.keys((c as Client & { subscriptions: Record<string, unknown> }).subscriptions).some((filter) =>
        topicMatchesFilter(topic, filter),
      ),
    );
    if (online) return true;
    const stored = await internals(broker).persistence.subscriptionsByTopic(topic);
    return stored.length > 0;
  }

  private requireBroker(): Aedes {
    if (!this.broker) throw new Error('embedded broker not started');
    return this.broker;
  }
}

/** A connection's own ACL and, for a gateway, those of its logged-in sub-devices. */
function aclsOf(session: DeviceSession): (readonly AclRule[])[] {
  return [session.acl, ...[...session.subDevices.values()].map((s) => s.acl)];
}

const internals = (broker: Aedes) => broker as unknown as AedesInternals;

function authError(returnCode: number, message: string): AuthenticateError {
  return Object.assign<Error, Pick<AuthenticateError, 'returnCode'>>(new Error(message), { returnCode });
}

function peerOf(client: Client): string | undefined {
  const socket = client.req?.socket ?? (client.conn as { remoteAddress?: string });
  const address = (socket as { remoteAddress?: string }).remoteAddress;
  return address?.replace(/^::ffff:/, '');
}

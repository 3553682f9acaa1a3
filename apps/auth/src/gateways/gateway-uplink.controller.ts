import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { AuthRpc, BridgeRpc, deviceOfSubject, DeviceEvents, uplinkFilter, type UplinkMessage } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { alinkReply, parseAlinkRequest, parseDeviceTopic, replyTopic } from '@iot/protocol';
import { ConfigsService } from '../configs/configs.service';
import { DeviceRepository } from '../devices/device.repository';
import { SubSessionAuthorizer } from './sub-session-authorizer';
import { SubSessionsService } from './sub-sessions.service';
import { TagsService } from './tags.service';
import { TopologyService, type AlinkOutcome } from './topology.service';

/** The `thing` paths answered here. Every `thing` uplink of every device comes here: most are none of these. */
const HANDLED_PATHS: ReadonlySet<string> = new Set([
  // gateway topology
  'thing/topo/add',
  'thing/topo/delete',
  'thing/topo/get',
  'thing/list/found',
  'thing/sub/register',
  // tags
  'thing/deviceinfo/update',
  'thing/deviceinfo/delete',
  // remote configuration
  'thing/config/get',
]);

/**
 * Transport adapter: a gateway's topology requests and every device's tag and configuration requests, from JetStream
 * (answered on `_reply`), and the bridge's sub-device session calls (bus RPC).
 */
@Injectable()
export class GatewayUplinkController implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(GatewayUplinkController.name);

  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(TopologyService) private readonly topology: TopologyService,
    @Inject(TagsService) private readonly tags: TagsService,
    @Inject(SubSessionsService) private readonly sessions: SubSessionsService,
    @Inject(SubSessionAuthorizer) private readonly authorizer: SubSessionAuthorizer,
    @Inject(DeviceRepository) private readonly devices: DeviceRepository,
    @Inject(ConfigsService) private readonly configs: ConfigsService,
  ) {}

  onModuleInit(): void {
    this.bus.serve(AuthRpc.subDeviceLogin, (r) => this.sessions.login(r));
    this.bus.serve(AuthRpc.subDeviceLogout, (r) => this.sessions.logout(r));
    this.bus.serve(AuthRpc.subDeviceAuthorize, (r) => this.authorizer.authorize(r));
    this.bus.serve(AuthRpc.subSessionsOn, (r) => this.sessions.sessionsOn(r.gatewayClientId));
    this.bus.serve(AuthRpc.subSessionOf, (r) => this.sessions.sessionOf(r));
    this.bus.serve(AuthRpc.listTopology, (r) => this.topology.adminList(r));
    this.bus.serve(AuthRpc.addTopology, (r) => this.topology.adminAdd(r.gateway, r.sub));
    this.bus.serve(AuthRpc.removeTopology, (r) => this.topology.adminRemove(r.gateway, r.sub));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.consume(
      DeviceEvents.uplink,
      {
        durable: 'auth-gateway-requests',
        filter: uplinkFilter('thing'),
        concurrency: 16,
        partitionBy: deviceOfSubject,
      },
      (m) => this.route(m),
    );
  }

  async route(message: UplinkMessage): Promise<void> {
    const path = parseDeviceTopic(message.topic)?.path ?? '';
    if (!HANDLED_PATHS.has(path)) return;
    this.logger.debug(`${path} from ${message.productKey}/${message.deviceName}`);
    const parsed = parseAlinkRequest(Buffer.from(message.payload, 'base64'));
    const device = await this.devices.find(message.productKey, message.deviceName);
    let outcome: AlinkOutcome;
    if (!parsed.ok) outcome = { code: 460, data: {}, message: `request parameter error: ${parsed.reason}` };
    else if (!device) outcome = { code: 6100, data: {}, message: 'device not found' };
    else outcome = await this.handle(path, device, parsed.request.params);
    this.logger.debug(`${path} → ${outcome.code}`);
    const request = parsed.ok ? parsed.request : { id: null as unknown as string, version: '1.0' };
    const reply = alinkReply(request, outcome.code, outcome.data, outcome.message);
    await this.bus.request(BridgeRpc.publish, {
      topic: replyTopic(message.topic),
      payload: Buffer.from(JSON.stringify(reply)).toString('base64'),
      qos: 1,
    });
  }

  private handle(
    path: string,
    device: NonNullable<Awaited<ReturnType<DeviceRepository['find']>>>,
    params: unknown,
  ): Promise<AlinkOutcome> {
    switch (path) {
      case 'thing/topo/add':
        return this.topology.add(device, params);
      case 'thing/topo/delete':
        return this.topology.remove(device, params);
      case 'thing/topo/get':
        return this.topology.get(device);
      case 'thing/list/found':
        return this.topology.found(params);
      case 'thing/sub/register':
        return this.topology.register(device, params);
      case 'thing/deviceinfo/update':
        return this.tags.update(device, params);
      case 'thing/config/get':
        return this.configs.pull(device.productKey, params);
      default:
        return this.tags.delete(device, params);
    }
  }
}

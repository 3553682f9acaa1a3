import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { deviceOfSubject, DeviceEvents, uplinkFilter, type UplinkMessage } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { parseAlinkRequest, parseDeviceTopic } from '@iot/protocol';
import { CommandsService } from '../commands/commands.service';
import { TSL_CONFIG, type TslConfig } from '../config/tsl.env';
import { DeviceLink } from '../device/device-link';
import { DevicePostsService } from '../posts/device-posts.service';

const EVENT_POST = /^thing\/event\/([^/]+)\/post$/;
const SERVICE_REPLY = /^thing\/service\/(.+)_reply$/;
const RRPC_RESPONSE = /^rrpc\/response\/([^/]+)$/;

/**
 * Transport adapter: thing-model and RRPC messages of devices, from JetStream (durable: nothing posted while
 * apps/tsl is down is lost), one device at a time in order, devices in parallel.
 */
@Injectable()
export class ThingUplinkController implements OnApplicationBootstrap {
  private readonly logger = new Logger(ThingUplinkController.name);

  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(DevicePostsService) private readonly posts: DevicePostsService,
    @Inject(CommandsService) private readonly commands: CommandsService,
    @Inject(DeviceLink) private readonly link: DeviceLink,
    @Inject(TSL_CONFIG) private readonly config: TslConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const options = { concurrency: this.config.TSL_CONCURRENCY, partitionBy: deviceOfSubject };
    await this.bus.consume(
      DeviceEvents.uplink,
      { ...options, durable: 'tsl-thing', filter: uplinkFilter('thing') },
      (m, meta) => this.route(m, meta.deliveryCount),
    );
    await this.bus.consume(
      DeviceEvents.uplink,
      { ...options, durable: 'tsl-rrpc', filter: uplinkFilter('rrpc') },
      (m, meta) => this.route(m, meta.deliveryCount),
    );
  }

  async route(message: UplinkMessage, deliveryCount = 1): Promise<void> {
    const path = parseDeviceTopic(message.topic)?.path ?? '';
    const rrpc = RRPC_RESPONSE.exec(path);
    if (rrpc)
      return this.commands.onReply(
        message,
        `/sys/${message.productKey}/${message.deviceName}/rrpc/request/${rrpc[1]}`,
        rrpc[1],
        deliveryCount,
      );
    const serviceReply = SERVICE_REPLY.exec(path);
    if (serviceReply)
      return this.commands.onReply(message, message.topic.slice(0, -'_reply'.length), undefined, deliveryCount);

    const isPropertyPost = path === 'thing/event/property/post';
    const event = isPropertyPost ? null : EVENT_POST.exec(path);
    const isModelRequest = path === 'thing/dsltemplate/get';
    if (!isPropertyPost && !event && !isModelRequest) return; // topology, tags, config…: not this service's
    const parsed = parseAlinkRequest(Buffer.from(message.payload, 'base64'));
    if (!parsed.ok) {
      this.logger.debug(`malformed Alink request on ${message.topic}: ${parsed.reason}`);
      await this.link.sendJson(`${message.topic}_reply`, {
        id: idOf(message.payload),
        code: 460,
        data: {},
        message: `param error: ${parsed.reason}`,
      });
      return;
    }
    if (isPropertyPost) return this.posts.propertyPost(message, parsed.request);
    if (event) return this.posts.eventPost(message, event[1], parsed.request);
    return this.posts.modelRequest(message, parsed.request);
  }
}

/** The id of a request that failed to parse, when it has one, so the device can still match the 460. */
function idOf(payloadBase64: string): unknown {
  try {
    const body = JSON.parse(Buffer.from(payloadBase64, 'base64').toString('utf8')) as { id?: unknown };
    return typeof body.id === 'string' || typeof body.id === 'number' ? body.id : null;
  } catch {
    return null;
  }
}

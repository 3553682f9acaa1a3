import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { platformModules } from '@iot/runtime';
import { BROKER_DRIVER } from './broker/broker-driver';
import { BrokerLifecycle } from './broker/broker-lifecycle';
import { BRIDGE_CONFIG, type BridgeConfig } from './config/bridge.env';
import { ConfigDownloadController } from './device-http/config-download.controller';
import { DeviceHttpController } from './device-http/device-http.controller';
import { DownlinkController } from './downlink/downlink.controller';
import { EdgeModule } from './edge/edge.module';
import { EmbeddedBrokerDriver } from './embedded/embedded-broker.driver';
import { GatewaySessionsService } from './gateway/gateway-sessions.service';
import { EmqxModule } from './emqx/emqx.module';

/** apps/bridge: the device edge, in front of the embedded broker or of EMQX. */
@Module({})
export class BridgeModule {
  static forRoot(config: BridgeConfig): DynamicModule {
    const embedded = config.BRIDGE_DRIVER === 'embedded';
    const driver: Provider[] = embedded
      ? [GatewaySessionsService, EmbeddedBrokerDriver, { provide: BROKER_DRIVER, useExisting: EmbeddedBrokerDriver }]
      : [];
    return {
      module: BridgeModule,
      imports: [
        ...platformModules('bridge', config),
        EdgeModule,
        ...(embedded
          ? []
          : [
              EmqxModule.forRoot({
                apiUrl: config.EMQX_API_URL as string,
                apiKey: config.EMQX_API_KEY as string,
                apiSecret: config.EMQX_API_SECRET as string,
                webhookSecret: config.EMQX_WEBHOOK_SECRET,
              }),
            ]),
      ],
      controllers: [DeviceHttpController, ConfigDownloadController],
      providers: [{ provide: BRIDGE_CONFIG, useValue: config }, ...driver, DownlinkController, BrokerLifecycle],
    };
  }
}

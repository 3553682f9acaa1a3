import { Module } from '@nestjs/common';
import { ConfigsModule } from '../configs/configs.module';
import { DevicesModule } from '../devices/devices.module';
import { ProductsModule } from '../products/products.module';
import { GatewayUplinkController } from './gateway-uplink.controller';
import { SubSessionAuthorizer } from './sub-session-authorizer';
import { SubSessionsService } from './sub-sessions.service';
import { TagsService } from './tags.service';
import { TopologyService } from './topology.service';

@Module({
  imports: [DevicesModule, ProductsModule, ConfigsModule],
  providers: [TopologyService, TagsService, SubSessionsService, SubSessionAuthorizer, GatewayUplinkController],
  exports: [SubSessionAuthorizer],
})
export class GatewaysModule {}

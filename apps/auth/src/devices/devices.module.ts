import { Module } from '@nestjs/common';
import { ProductsModule } from '../products/products.module';
import { GatewayRepository } from '../gateways/gateway.repository';
import { DeviceLookup } from './device-lookup';
import { DeviceRepository } from './device.repository';
import { DevicesController } from './devices.controller';
import { DevicesService } from './devices.service';
import { FirmwareVersionConsumer } from './firmware-version.consumer';

@Module({
  imports: [ProductsModule],
  providers: [
    DeviceRepository,
    DeviceLookup,
    GatewayRepository,
    DevicesService,
    DevicesController,
    FirmwareVersionConsumer,
  ],
  exports: [DevicesService, DeviceRepository, DeviceLookup, GatewayRepository],
})
export class DevicesModule {}

import { Module } from '@nestjs/common';
import { ProductsModule } from '../products/products.module';
import { DeviceRepository } from './device.repository';
import { DevicesController } from './devices.controller';
import { DevicesService } from './devices.service';

@Module({
  imports: [ProductsModule],
  providers: [DeviceRepository, DevicesService, DevicesController],
  exports: [DevicesService, DeviceRepository],
})
export class DevicesModule {}

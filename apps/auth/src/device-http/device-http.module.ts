import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { ProductsModule } from '../products/products.module';
import { DeviceHttpController } from './device-http.controller';
import { DeviceHttpService } from './device-http.service';

@Module({
  imports: [DevicesModule, ProductsModule],
  providers: [DeviceHttpService, DeviceHttpController],
})
export class DeviceHttpModule {}

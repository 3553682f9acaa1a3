import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { StatusConsumer } from './status.consumer';
import { StatusService } from './status.service';

@Module({
  imports: [DevicesModule],
  providers: [StatusService, StatusConsumer],
})
export class StatusModule {}

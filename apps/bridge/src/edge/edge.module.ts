import { Global, Module } from '@nestjs/common';
import { DeviceEdgeService } from './device-edge.service';

@Global()
@Module({ providers: [DeviceEdgeService], exports: [DeviceEdgeService] })
export class EdgeModule {}

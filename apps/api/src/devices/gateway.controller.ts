import { Body, Controller, Delete, Get, Inject, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString } from 'class-validator';
import { AuthRpc, type ConfigKind, type ConfigView, type DeviceRef } from '@iot/contracts';
import { Bus } from '@iot/messaging';

export class SubDeviceDto {
  @ApiProperty()
  @IsString()
  productKey!: string;

  @ApiProperty()
  @IsString()
  deviceName!: string;
}

export class ConfigDto {
  @ApiProperty({ description: 'The file, base64 (at most 512 KB)' })
  @IsString()
  content!: string;

  @ApiPropertyOptional({ default: true, description: 'false: devices asking get 6713' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

@ApiTags('gateways and configuration')
@ApiBearerAuth()
@Controller('v1/products/:productKey')
export class GatewayController {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  /** A gateway's sub-devices (protocol.md §5.2). */
  @Get('devices/:deviceName/topology')
  topology(@Param('productKey') productKey: string, @Param('deviceName') deviceName: string): Promise<DeviceRef[]> {
    return this.bus.request(AuthRpc.listTopology, { productKey, deviceName });
  }

  @Post('devices/:deviceName/topology')
  add(
    @Param('productKey') productKey: string,
    @Param('deviceName') deviceName: string,
    @Body() sub: SubDeviceDto,
  ): Promise<DeviceRef[]> {
    return this.bus.request(AuthRpc.addTopology, {
      gateway: { productKey, deviceName },
      sub: { productKey: sub.productKey, deviceName: sub.deviceName },
    });
  }

  @Delete('devices/:deviceName/topology/:subProductKey/:subDeviceName')
  remove(
    @Param('productKey') productKey: string,
    @Param('deviceName') deviceName: string,
    @Param('subProductKey') subProductKey: string,
    @Param('subDeviceName') subDeviceName: string,
  ): Promise<DeviceRef[]> {
    return this.bus.request(AuthRpc.removeTopology, {
      gateway: { productKey, deviceName },
      sub: { productKey: subProductKey, deviceName: subDeviceName },
    });
  }

  /** The product's remote configuration (`device`, protocol.md §7.1) or gateway configuration (`gateway`, §7.3). */
  @Put('configs/:kind')
  setConfig(
    @Param('productKey') productKey: string,
    @Param('kind') kind: ConfigKind,
    @Body() body: ConfigDto,
  ): Promise<ConfigView> {
    return this.bus.request(AuthRpc.setConfig, { productKey, kind, content: body.content, enabled: body.enabled });
  }

  @Get('configs/:kind')
  getConfig(@Param('productKey') productKey: string, @Param('kind') kind: ConfigKind): Promise<ConfigView> {
    return this.bus.request(AuthRpc.getConfig, { productKey, kind });
  }

  /** Sends the file's link to every device of the product. */
  @Post('configs/:kind/push')
  push(
    @Param('productKey') productKey: string,
    @Param('kind') kind: ConfigKind,
  ): Promise<{ devices: number; delivered: number }> {
    return this.bus.request(AuthRpc.pushConfig, { productKey, kind }, { timeoutMs: 60_000 });
  }
}

import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthRpc, type DeviceCreated, type DeviceView, type Page } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { CreateDeviceDto, ListDevicesQuery } from './device.dto';

@ApiTags('devices')
@ApiBearerAuth()
@Controller('v1/products/:productKey/devices')
export class DevicesController {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  @Post()
  create(@Param('productKey') productKey: string, @Body() body: CreateDeviceDto): Promise<DeviceCreated> {
    return this.bus.request(AuthRpc.createDevice, { productKey, deviceName: body.deviceName });
  }

  @Get()
  list(@Param('productKey') productKey: string, @Query() query: ListDevicesQuery): Promise<Page<DeviceView>> {
    return this.bus.request(AuthRpc.listDevices, { productKey, ...query });
  }

  @Get(':deviceName')
  get(@Param('productKey') productKey: string, @Param('deviceName') deviceName: string): Promise<DeviceView> {
    return this.bus.request(AuthRpc.getDevice, { productKey, deviceName });
  }

  @Delete(':deviceName')
  @HttpCode(204)
  async delete(@Param('productKey') productKey: string, @Param('deviceName') deviceName: string): Promise<void> {
    await this.bus.request(AuthRpc.deleteDevice, { productKey, deviceName });
  }

  @Post(':deviceName/disable')
  @HttpCode(200)
  disable(@Param('productKey') productKey: string, @Param('deviceName') deviceName: string): Promise<DeviceView> {
    return this.bus.request(AuthRpc.setDeviceDisabled, { productKey, deviceName, disabled: true });
  }

  @Post(':deviceName/enable')
  @HttpCode(200)
  enable(@Param('productKey') productKey: string, @Param('deviceName') deviceName: string): Promise<DeviceView> {
    return this.bus.request(AuthRpc.setDeviceDisabled, { productKey, deviceName, disabled: false });
  }
}

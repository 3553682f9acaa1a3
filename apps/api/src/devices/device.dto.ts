import { PageQuery } from '../common/page.query';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import type { DeviceStatus } from '@iot/contracts';

export class CreateDeviceDto {
  @ApiPropertyOptional({
    description: '4–32 characters: letters, digits, -, _, @, . and :. Generated when omitted.',
    example: 'lightbulb-0001',
  })
  @IsOptional()
  @IsString()
  deviceName?: string;
}

export class ListDevicesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['inactive', 'online', 'offline'] })
  @IsOptional()
  @IsIn(['inactive', 'online', 'offline'])
  status?: DeviceStatus;
}

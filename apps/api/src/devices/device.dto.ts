import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
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

export class ListDevicesQuery {
  @ApiPropertyOptional({ default: 1, minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page: number = 1;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  pageSize: number = 20;

  @ApiPropertyOptional({ enum: ['inactive', 'online', 'offline'] })
  @IsOptional()
  @IsIn(['inactive', 'online', 'offline'])
  status?: DeviceStatus;
}

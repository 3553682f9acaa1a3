import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Max, Min } from 'class-validator';

/** A sync call's wait for the reply, an async command's wait for the device. */
class CommandTimingDto {
  @ApiPropertyOptional({ minimum: 1000, maximum: 60000, default: 20000 })
  @IsOptional()
  @IsInt()
  timeoutMs?: number;

  @ApiPropertyOptional({ description: 'How long an async command may wait for the device (default 48 h)' })
  @IsOptional()
  @IsInt()
  ttlSeconds?: number;
}

export class SetPropertiesDto extends CommandTimingDto {
  @ApiProperty({ example: { LightSwitch: 1 } })
  @IsObject()
  items!: Record<string, unknown>;

  @ApiPropertyOptional({
    enum: ['async', 'sync'],
    default: 'async',
    description: 'async: queued for an offline device; sync: wait for the reply',
  })
  @IsOptional()
  @IsIn(['sync', 'async'])
  mode?: 'sync' | 'async';
}

export class InvokeServiceDto extends CommandTimingDto {
  @ApiPropertyOptional({ example: { NewWeight: 100.8 } })
  @IsOptional()
  @IsObject()
  args?: Record<string, unknown>;

  @ApiProperty({ enum: ['sync', 'async'] })
  @IsIn(['sync', 'async'])
  mode!: 'sync' | 'async';
}

export class SendMessageDto {
  @ApiProperty({ example: '/a1PK/dev1/user/get' })
  @IsString()
  topic!: string;

  @ApiProperty({ description: 'UTF-8 text, or base64 with encoding=base64' })
  @IsString()
  payload!: string;

  @ApiPropertyOptional({ enum: ['utf8', 'base64'], default: 'utf8' })
  @IsOptional()
  @IsIn(['utf8', 'base64'])
  encoding?: 'utf8' | 'base64';

  @ApiPropertyOptional({ enum: [0, 1], default: 1 })
  @IsOptional()
  @IsIn([0, 1])
  qos?: 0 | 1;

  @ApiPropertyOptional({ description: 'How long the message may wait for the device (default 24 h)' })
  @IsOptional()
  @IsInt()
  ttlSeconds?: number;
}

export class RangeQuery {
  @ApiPropertyOptional({ description: 'epoch ms, inclusive' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  from?: number;

  @ApiPropertyOptional({ description: 'epoch ms, exclusive' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  to?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  identifier?: string;
}

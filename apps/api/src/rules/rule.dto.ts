import { PageQuery } from '../common/page.query';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import type { RuleAction } from '@iot/contracts';

const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } } as const;

/** One action; which fields apply depends on `type` (checked by apps/rules, which owns the rule). */
export class RuleActionDto {
  @ApiProperty({ enum: ['republish', 'nats', 'http', 'postgres'] })
  @IsIn(['republish', 'nats', 'http', 'postgres'])
  type!: RuleAction['type'];

  @ApiPropertyOptional({
    description: 'republish: the device topic; ${field} takes a field of the SELECT result',
    example: '/a1b2c3/${device}/user/get',
  })
  @IsOptional()
  @IsString()
  topic?: string;

  @ApiPropertyOptional({ description: 'republish: MQTT QoS', enum: [0, 1], default: 1 })
  @IsOptional()
  @IsIn([0, 1])
  qos?: 0 | 1;

  @ApiPropertyOptional({
    description: 'nats: the subject, as given (not namespaced); ${field} placeholders allowed',
    example: 'telemetry.alerts',
  })
  @IsOptional()
  @IsString()
  subject?: string;

  @ApiPropertyOptional({ description: 'nats: publish through JetStream and wait for the stream to store it' })
  @IsOptional()
  @IsBoolean()
  jetstream?: boolean;

  @ApiPropertyOptional({
    description: 'http: where the SELECT result is POSTed as JSON',
    example: 'https://example.com/hook',
  })
  @IsOptional()
  @IsString()
  url?: string;

  @ApiPropertyOptional({ description: 'http: extra request headers', ...STRING_MAP })
  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;

  @ApiPropertyOptional({ description: 'http: per attempt', default: 5000, minimum: 100, maximum: 30000 })
  @IsOptional()
  @IsInt()
  timeoutMs?: number;

  @ApiPropertyOptional({ description: 'postgres: table or schema.table', example: 'telemetry.readings' })
  @IsOptional()
  @IsString()
  table?: string;

  @ApiPropertyOptional({
    description: 'postgres: column → field of the SELECT result (a path such as t or a.b)',
    example: { device: 'device', temperature: 't' },
    ...STRING_MAP,
  })
  @IsOptional()
  @IsObject()
  columns?: Record<string, string>;

  @ApiPropertyOptional({ description: "postgres: the target database; the platform's when absent" })
  @IsOptional()
  @IsString()
  databaseUrl?: string;
}

export class RuleDto {
  @ApiProperty({ example: 'overheating' })
  @IsString()
  name!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  description?: string;

  @ApiProperty({
    description: 'SELECT <expr [AS alias]>, … | * FROM "<topic filter>" [WHERE <condition>]',
    example: 'SELECT temperature AS t, deviceName() AS device FROM "/a1b2c3/+/user/update" WHERE temperature > 38',
  })
  @IsString()
  sql!: string;

  @ApiProperty({ type: [RuleActionDto] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RuleActionDto)
  actions!: RuleActionDto[];

  @ApiPropertyOptional({
    type: RuleActionDto,
    nullable: true,
    description: 'Receives {rule, action, error, attempts, deadLetterId, message} when a delivery fails every attempt',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RuleActionDto)
  errorAction?: RuleActionDto | null;

  @ApiPropertyOptional({ description: 'On create: default false. On update: unchanged when absent.' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ListDeadLettersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['pending', 'replayed'], description: 'pending: not replayed yet' })
  @IsOptional()
  @IsIn(['pending', 'replayed'])
  status?: 'pending' | 'replayed';
}

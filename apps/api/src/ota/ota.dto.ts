import { PageQuery } from '../common/page.query';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import {
  CAMPAIGN_STATUSES,
  OTA_JOB_STATUSES,
  type CampaignSelection,
  type CampaignStatus,
  type OtaJobStatus,
  type OtaSignMethod,
} from '@iot/contracts';

export class UploadFirmwareQuery {
  @ApiProperty({ example: 'a1B2c3D4e5F' })
  @IsString()
  @MinLength(1)
  productKey!: string;

  @ApiProperty({ example: '2.0.0', description: 'What devices report on /ota/device/inform once updated' })
  @IsString()
  @Matches(/^[\x21-\x7e]{1,64}$/, { message: 'version: 1 to 64 printable characters without spaces' })
  version!: string;

  @ApiPropertyOptional({ maxLength: 128 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  name?: string;

  @ApiPropertyOptional({ maxLength: 1024 })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @ApiPropertyOptional({ description: 'Refuse the upload unless the bytes have this MD5 (hex)' })
  @IsOptional()
  @Matches(/^[0-9a-fA-F]{32}$/, { message: 'md5: 32 hex digits' })
  md5?: string;

  @ApiPropertyOptional({ description: 'Refuse the upload unless the bytes have this SHA-256 (hex)' })
  @IsOptional()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'sha256: 64 hex digits' })
  sha256?: string;
}

export class ListFirmwareQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  productKey?: string;
}

export class ListCampaignsQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  productKey?: string;

  @ApiPropertyOptional({ enum: CAMPAIGN_STATUSES })
  @IsOptional()
  @IsIn(CAMPAIGN_STATUSES)
  status?: CampaignStatus;
}

export class ListCampaignDevicesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: OTA_JOB_STATUSES })
  @IsOptional()
  @IsIn(OTA_JOB_STATUSES)
  status?: OtaJobStatus;
}

export class CreateCampaignDto {
  @ApiProperty({ description: 'The firmware to install; the campaign targets devices of its product' })
  @IsString()
  firmwareId!: string;

  @ApiPropertyOptional({ maxLength: 128 })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  name?: string;

  @ApiProperty({
    enum: ['all', 'devices', 'versions'],
    description: 'all: every device of the product; devices: deviceNames; versions: devices reporting one of versions',
  })
  @IsIn(['all', 'devices', 'versions'])
  selection!: CampaignSelection;

  @ApiPropertyOptional({ type: [String], maxItems: 1000 })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  deviceNames?: string[];

  @ApiPropertyOptional({ type: [String], example: ['1.0.0', '1.0.1'], maxItems: 100 })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  versions?: string[];

  @ApiPropertyOptional({
    default: false,
    description: 'Also take devices that match later (report a selected version after the start)',
  })
  @IsOptional()
  @IsBoolean()
  dynamic?: boolean;

  @ApiPropertyOptional({ minimum: 1, description: 'Devices started per minute; unlimited when absent' })
  @IsOptional()
  @IsInt()
  @Min(1)
  rolloutRate?: number;

  @ApiPropertyOptional({
    default: 3600,
    minimum: 1,
    maximum: 604800,
    description: 'Seconds a device has from the upgrade message to reporting the new version',
  })
  @IsOptional()
  @IsInt()
  timeoutSeconds?: number;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: 10, description: 'Attempts after a failure or timeout' })
  @IsOptional()
  @IsInt()
  retries?: number;

  @ApiPropertyOptional({ enum: ['Md5', 'SHA256'], default: 'Md5' })
  @IsOptional()
  @IsString()
  signMethod?: OtaSignMethod;

  @ApiPropertyOptional({
    type: [Number],
    example: [1, 10, 100],
    description: 'Cumulative percentages started stage by stage; a stage opens once the previous one has settled',
  })
  @IsOptional()
  @IsArray()
  @IsInt({ each: true })
  stages?: number[];

  @ApiPropertyOptional({
    default: 100,
    minimum: 0,
    maximum: 100,
    description: 'Abort when failed and timed-out devices exceed this percentage of the settled ones',
  })
  @IsOptional()
  @IsInt()
  failureThresholdPercent?: number;
}

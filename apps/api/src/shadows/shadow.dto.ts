import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsString } from 'class-validator';

export class UpdateShadowDto {
  @ApiProperty({
    description: 'UpdateDeviceShadow: the JSON a device would publish on /shadow/update, as a string',
    example: '{"method":"update","state":{"desired":{"maxTemperature":39.5}},"version":1795500284630}',
  })
  @IsString()
  shadowMessage!: string;
}

export class ShadowSettingsDto {
  @ApiProperty({ description: 'Push the pending control to a device right after it reconnects' })
  @IsBoolean()
  pushControlOnConnect!: boolean;
}

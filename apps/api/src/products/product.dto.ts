import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length } from 'class-validator';
import type { NodeType } from '@iot/contracts';

export class CreateProductDto {
  @ApiProperty({ example: 'Smart lightbulb', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64)
  name!: string;

  @ApiPropertyOptional({ enum: ['device', 'gateway'], default: 'device' })
  @IsOptional()
  @IsIn(['device', 'gateway'])
  nodeType?: NodeType;

  @ApiPropertyOptional({ default: false, description: 'Allow devices to fetch their secret with the ProductSecret' })
  @IsOptional()
  @IsBoolean()
  dynamicRegistration?: boolean;
}

export class UpdateProductDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 64 })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  dynamicRegistration?: boolean;
}

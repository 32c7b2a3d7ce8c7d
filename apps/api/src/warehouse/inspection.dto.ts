import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ITEM_CONDITIONS, ItemCondition } from '@returns/contracts';
import { Nested, PhotoDto } from '../http/common.dto';

export class InspectionChecksDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() appearanceIntact?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() functionsNormally?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() accessoriesComplete?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() packagingIntact?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() signsOfWear?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() tagsAttached?: boolean;
}

export class InspectedItemDto {
  @ApiProperty({ example: 'S1' }) @IsString() @IsNotEmpty() @MaxLength(128) sku: string;
  @ApiProperty({ example: 1 }) @IsInt() @Min(1) @Max(100_000) quantity: number;
  @ApiProperty({ enum: ITEM_CONDITIONS }) @IsIn(ITEM_CONDITIONS) condition: ItemCondition;
  @ApiPropertyOptional({ type: InspectionChecksDto }) @IsOptional() @Nested(() => InspectionChecksDto) checks?: InspectionChecksDto;
  @ApiPropertyOptional({ type: [PhotoDto] }) @IsOptional() @IsArray() @ArrayMaxSize(20) @Nested(() => PhotoDto, { each: true }) photos?: PhotoDto[];
  @ApiPropertyOptional({ maxLength: 2000 }) @IsOptional() @IsString() @MaxLength(2000) notes?: string;
}

/** `POST /v1/returns/{id}/inspection`: the warehouse's QC report. */
export class InspectionDto {
  @ApiProperty({ example: 'w-07' }) @IsString() @IsNotEmpty() @MaxLength(64) inspector: string;

  @ApiProperty({ type: [InspectedItemDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @Nested(() => InspectedItemDto, { each: true })
  items: InspectedItemDto[];
}

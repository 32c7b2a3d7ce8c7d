import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { REASON_CODES, ReasonCode, RETURN_METHODS, RETURN_TYPES, ReturnMethod, ReturnType } from '@returns/contracts';
import { PhotoDto } from '../http/common.dto';

export class ReturnLineDto {
  @ApiProperty({ example: 'S1' }) @IsString() @IsNotEmpty() @MaxLength(128) sku: string;
  @ApiProperty({ example: 1, minimum: 1 }) @IsInt() @Min(1) @Max(100_000) quantity: number;
}

/** `POST /v1/returns`. */
export class CreateReturnDto {
  @ApiProperty({ example: 'o1' }) @IsString() @IsNotEmpty() @MaxLength(128) orderId: string;

  @ApiProperty({ enum: RETURN_TYPES }) @IsIn(RETURN_TYPES) type: ReturnType;

  @ApiProperty({ enum: REASON_CODES }) @IsIn(REASON_CODES) reasonCode: ReasonCode;

  @ApiPropertyOptional({ example: '收到的顏色和圖片差很多', maxLength: 2000 }) @IsOptional() @IsString() @MaxLength(2000) reasonText?: string;

  @ApiPropertyOptional({ enum: RETURN_METHODS, description: 'required except for REFUND_ONLY' })
  @ValidateIf((o: CreateReturnDto) => o.type !== 'REFUND_ONLY' || o.returnMethod !== undefined)
  @IsIn(RETURN_METHODS)
  returnMethod?: ReturnMethod;

  @ApiProperty({ type: [ReturnLineDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ReturnLineDto)
  items: ReturnLineDto[];

  @ApiPropertyOptional({ type: [PhotoDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => PhotoDto)
  photos?: PhotoDto[];

  @ApiPropertyOptional({ example: 'app' }) @IsOptional() @IsString() @MaxLength(32) channel?: string;
}

export class ReviewDto {
  @ApiProperty({ enum: ['APPROVE', 'REJECT'] }) @IsIn(['APPROVE', 'REJECT']) decision: 'APPROVE' | 'REJECT';
  @ApiPropertyOptional({ maxLength: 2000 }) @IsOptional() @IsString() @MaxLength(2000) note?: string;
}

export class CancelDto {
  @ApiPropertyOptional({ maxLength: 2000 }) @IsOptional() @IsString() @MaxLength(2000) note?: string;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { Nested } from '../http/common.dto';
import { ITEM_CONDITIONS, ItemCondition, ShippingPayer } from '@returns/contracts';

const PAYERS = ['CUSTOMER', 'MERCHANT'] as const;

export class ShippingPaidByDto {
  @ApiPropertyOptional({ enum: PAYERS }) @IsOptional() @IsIn(PAYERS) customer?: ShippingPayer;
  @ApiPropertyOptional({ enum: PAYERS }) @IsOptional() @IsIn(PAYERS) merchantFault?: ShippingPayer;
}

/** `PUT /v1/policies/{category}`: the rules to change; the rest are kept from the current version (or the default). */
export class UpdatePolicyDto {
  @ApiPropertyOptional({ example: 7 }) @IsOptional() @IsInt() @Min(0) @Max(365) customerReasonWindowDays?: number;
  @ApiPropertyOptional({ example: 15 }) @IsOptional() @IsInt() @Min(0) @Max(365) merchantFaultWindowDays?: number;
  @ApiPropertyOptional({ description: 'false: no returns for personal reasons (custom-made, fresh, digital, periodicals)' })
  @IsOptional()
  @IsBoolean()
  acceptsCustomerReasons?: boolean;
  @ApiPropertyOptional({ enum: ITEM_CONDITIONS, isArray: true, example: ['NEW', 'LIKE_NEW'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(ITEM_CONDITIONS, { each: true })
  customerReasonConditions?: ItemCondition[];
  @ApiPropertyOptional({ description: 'clothes: tags attached and no signs of wear for personal reasons' }) @IsOptional() @IsBoolean() requireTagsAndNoWear?: boolean;
  @ApiPropertyOptional({ example: 0, description: 'whole percent, personal reasons only' }) @IsOptional() @IsInt() @Min(0) @Max(100) restockingFeePercent?: number;
  @ApiPropertyOptional({ type: ShippingPaidByDto }) @IsOptional() @Nested(() => ShippingPaidByDto) shippingPaidBy?: ShippingPaidByDto;
  @ApiPropertyOptional({ example: 200000, description: 'minor units' }) @IsOptional() @IsInt() @Min(0) @Max(1_000_000_000) autoApproveCeilingMinor?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() freePickup?: boolean;
  @ApiPropertyOptional({ example: 60, description: '0..100' }) @IsOptional() @IsInt() @Min(0) @Max(100) riskReviewThreshold?: number;
}

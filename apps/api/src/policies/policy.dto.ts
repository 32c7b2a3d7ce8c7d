import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, Max, Min } from 'class-validator';
import { Nested, Omittable } from '../http/common.dto';
import { ITEM_CONDITIONS, ItemCondition, ShippingPayer } from '@returns/contracts';

const PAYERS = ['CUSTOMER', 'MERCHANT'] as const;

export class ShippingPaidByDto {
  @ApiPropertyOptional({ enum: PAYERS }) @Omittable() @IsIn(PAYERS) customer?: ShippingPayer;
  @ApiPropertyOptional({ enum: PAYERS }) @Omittable() @IsIn(PAYERS) merchantFault?: ShippingPayer;
}

/** `PUT /v1/policies/{category}`: the rules to change; the rest are kept from the current version (or the default). A rule sent as null: 400. */
export class UpdatePolicyDto {
  @ApiPropertyOptional({ example: 7 }) @Omittable() @IsInt() @Min(0) @Max(365) customerReasonWindowDays?: number;
  @ApiPropertyOptional({ example: 15 }) @Omittable() @IsInt() @Min(0) @Max(365) merchantFaultWindowDays?: number;
  @ApiPropertyOptional({ description: 'false: no returns for personal reasons (custom-made, fresh, digital, periodicals)' })
  @Omittable()
  @IsBoolean()
  acceptsCustomerReasons?: boolean;
  @ApiPropertyOptional({ enum: ITEM_CONDITIONS, isArray: true, example: ['NEW', 'LIKE_NEW'] })
  @Omittable()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(ITEM_CONDITIONS, { each: true })
  customerReasonConditions?: ItemCondition[];
  @ApiPropertyOptional({ description: 'clothes: tags attached and no signs of wear for personal reasons' }) @Omittable() @IsBoolean() requireTagsAndNoWear?: boolean;
  @ApiPropertyOptional({ example: 0, description: 'whole percent, personal reasons only' }) @Omittable() @IsInt() @Min(0) @Max(100) restockingFeePercent?: number;
  @ApiPropertyOptional({ type: ShippingPaidByDto }) @Omittable() @Nested(() => ShippingPaidByDto) shippingPaidBy?: ShippingPaidByDto;
  @ApiPropertyOptional({ example: 200000, description: 'minor units' }) @Omittable() @IsInt() @Min(0) @Max(1_000_000_000) autoApproveCeilingMinor?: number;
  @ApiPropertyOptional() @Omittable() @IsBoolean() freePickup?: boolean;
  @ApiPropertyOptional({ example: 60, description: '0..100' }) @Omittable() @IsInt() @Min(0) @Max(100) riskReviewThreshold?: number;
}

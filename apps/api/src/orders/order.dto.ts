import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsEmail,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Nested } from '../http/common.dto';

export class CustomerDto {
  @ApiProperty({ example: 'c1' }) @IsString() @IsNotEmpty() @MaxLength(128) id: string;
  @ApiPropertyOptional({ example: '李雷' }) @IsOptional() @IsString() @MaxLength(200) name?: string;
  @ApiPropertyOptional({ example: '+8613800000000' }) @IsOptional() @IsString() @Matches(/^\+?[0-9 -]{5,20}$/, { message: 'phone must be a phone number' }) phone?: string;
  @ApiPropertyOptional({ example: 'c1@example.com' }) @IsOptional() @IsEmail() @MaxLength(254) email?: string;
  @ApiPropertyOptional({ example: 'o-1' }) @IsOptional() @IsString() @MaxLength(128) wechatOpenId?: string;
  @ApiPropertyOptional({ example: 't-1' }) @IsOptional() @IsString() @MaxLength(512) pushToken?: string;
  @ApiPropertyOptional({ example: 'zh-CN' }) @IsOptional() @IsString() @Matches(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, { message: 'locale must be a language tag like zh-CN' }) locale?: string;
  @ApiPropertyOptional({ example: 'VIP' }) @IsOptional() @IsString() @MaxLength(32) tier?: string;
}

export class AddressDto {
  @ApiProperty({ example: '浙江' }) @IsString() @IsNotEmpty() @MaxLength(64) province: string;
  @ApiProperty({ example: '杭州' }) @IsString() @IsNotEmpty() @MaxLength(64) city: string;
  @ApiPropertyOptional({ example: '西湖区' }) @IsOptional() @IsString() @MaxLength(64) district?: string;
  @ApiProperty({ example: '文三路 1 号' }) @IsString() @IsNotEmpty() @MaxLength(500) line: string;
  @ApiPropertyOptional({ example: '310000' }) @IsOptional() @IsString() @MaxLength(16) postalCode?: string;
}

export class PaymentDto {
  @ApiProperty({ example: 'alipay' }) @IsString() @IsNotEmpty() @MaxLength(64) provider: string;
  @ApiProperty({ example: 'T1' }) @IsString() @IsNotEmpty() @MaxLength(128) transactionId: string;
}

export class OrderItemDto {
  @ApiProperty({ example: 'S1' }) @IsString() @IsNotEmpty() @MaxLength(128) sku: string;
  @ApiProperty({ example: 'T恤' }) @IsString() @IsNotEmpty() @MaxLength(500) name: string;
  @ApiProperty({ example: 'apparel', description: 'unknown categories get the default policy' }) @IsString() @IsNotEmpty() @MaxLength(64) category: string;
  @ApiProperty({ example: 2 }) @IsInt() @Min(1) @Max(100_000) quantity: number;
  @ApiProperty({ example: 9900, description: 'minor units (9900 = 99.00)' }) @IsInt() @Min(0) @Max(1_000_000_000) unitPrice: number;
}

/** `PUT /v1/orders/{orderId}`: the order snapshot the policy needs. */
export class UpsertOrderDto {
  @ApiProperty({ example: 'm1' }) @IsString() @IsNotEmpty() @MaxLength(128) merchantId: string;

  @ApiProperty({ type: CustomerDto }) @IsDefined() @Nested(() => CustomerDto) customer: CustomerDto;

  @ApiPropertyOptional({ type: AddressDto }) @IsOptional() @Nested(() => AddressDto) address?: AddressDto;

  @ApiProperty({ example: 'CNY' }) @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code like CNY' }) currency: string;

  @ApiPropertyOptional({ example: '2026-11-11T02:00:00Z', description: 'ISO-8601; without an offset it is read as UTC' }) @IsOptional() @IsISO8601({ strict: true }) paidAt?: string;

  @ApiPropertyOptional({ example: '2026-11-13T08:00:00Z', description: 'absent while not delivered (a time still ahead counts as not delivered yet); ISO-8601, without an offset read as UTC' }) @IsOptional() @IsISO8601({ strict: true }) deliveredAt?: string;

  @ApiPropertyOptional({ type: PaymentDto }) @IsOptional() @Nested(() => PaymentDto) payment?: PaymentDto;

  @ApiProperty({ type: [OrderItemDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @Nested(() => OrderItemDto, { each: true })
  items: OrderItemDto[];
}

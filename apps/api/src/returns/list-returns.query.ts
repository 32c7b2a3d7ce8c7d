import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { CASE_STATUSES, CaseStatus } from '@returns/contracts';
import { OptionalQuery } from '../http/optional-query';

export class ListReturnsQuery {
  @ApiPropertyOptional({ enum: CASE_STATUSES }) @OptionalQuery() @IsIn(CASE_STATUSES) status?: CaseStatus;
  @ApiPropertyOptional() @OptionalQuery() @IsString() @MaxLength(128) orderId?: string;
  @ApiPropertyOptional() @OptionalQuery() @IsString() @MaxLength(128) customerId?: string;
  @ApiPropertyOptional() @OptionalQuery() @IsString() @MaxLength(128) merchantId?: string;
  @ApiPropertyOptional({ default: 20, maximum: 100 }) @OptionalQuery() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @OptionalQuery() @IsString() @MaxLength(200) cursor?: string;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, Max, Min } from 'class-validator';
import { OptionalQuery } from '../http/optional-query';

/** A time range of the admin's analytics: `[from, to)`. */
export class AnalyticsRangeDto {
  @ApiPropertyOptional({ example: '2026-11-01T00:00:00Z', description: 'start, inclusive; default 30 days before `to`; without an offset read as UTC' })
  @OptionalQuery()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ example: '2026-11-12T00:00:00Z', description: 'end, exclusive; default now; without an offset read as UTC' })
  @OptionalQuery()
  @IsISO8601({ strict: true })
  to?: string;
}

/** `GET /v1/admin/sla/breaches`: deadlines due in the range, at most `limit` of them. */
export class SlaBreachesQueryDto extends AnalyticsRangeDto {
  @ApiPropertyOptional({ example: 100, description: '1..1000, default 100: the latest due first' })
  @OptionalQuery()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

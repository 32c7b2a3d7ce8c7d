import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { OptionalQuery } from '../http/optional-query';

/** `GET /v1/admin/queues/{name}/failed`: how many of the newest failed jobs to show. */
export class FailedJobsQuery {
  @ApiPropertyOptional({ default: 20, maximum: 100 }) @OptionalQuery() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
}

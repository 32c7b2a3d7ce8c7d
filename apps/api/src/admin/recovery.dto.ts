import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';

/** `POST /v1/admin/recovery`: from when to look for work whose job Redis lost. */
export class RecoveryRequestDto {
  @ApiPropertyOptional({
    example: '2026-11-11T02:00:00Z',
    description: 'requests and cases last changed at or after this time are looked at; default 24 hours ago; without an offset read as UTC',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;
}

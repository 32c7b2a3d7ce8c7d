import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { TRACKING_STATUSES, TrackingStatus } from '@returns/contracts';

/** `POST /v1/logistics/tracking`: one carrier scan. */
export class TrackingEventDto {
  @ApiProperty({ example: 'SF' }) @IsString() @IsNotEmpty() @MaxLength(32) carrier: string;
  @ApiProperty({ example: 'SF1234567890' }) @IsString() @IsNotEmpty() @MaxLength(64) trackingNumber: string;
  @ApiProperty({ enum: TRACKING_STATUSES }) @IsIn(TRACKING_STATUSES) status: TrackingStatus;
  @ApiProperty({ example: '2026-11-14T08:00:00Z' }) @IsISO8601({ strict: true }) occurredAt: string;
  @ApiPropertyOptional({ example: '杭州转运中心' }) @IsOptional() @IsString() @MaxLength(200) location?: string;
}

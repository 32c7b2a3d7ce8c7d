import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** `POST /v1/feedback/{token}`. */
export class FeedbackAnswerDto {
  @ApiProperty({ minimum: 1, maximum: 5, example: 5 })
  @IsInt()
  @Min(1)
  @Max(5)
  rating: number;

  @ApiPropertyOptional({ maxLength: 2000, example: '退款很快，谢谢' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

export class PhotoDto {
  @ApiProperty({ example: 'https://img.example.com/p/1.jpg' })
  @IsString()
  @MaxLength(2048)
  @Matches(/^https?:\/\/\S+$/, { message: 'url must be an http(s) URL' })
  url: string;

  @ApiProperty({ description: 'sha256 of the image, 64 hex digits', example: 'a'.repeat(64) })
  @IsString()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'sha256 must be 64 hex digits' })
  sha256: string;
}

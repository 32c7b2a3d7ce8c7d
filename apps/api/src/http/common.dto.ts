import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

/** What a photo's `url` must look like. */
export const PHOTO_URL = /^https?:\/\/\S+$/;
/** What a photo's `sha256` must look like. */
export const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

export class PhotoDto {
  @ApiProperty({ example: 'https://img.example.com/p/1.jpg' })
  @IsString()
  @MaxLength(2048)
  @Matches(PHOTO_URL, { message: 'url must be an http(s) URL' })
  url: string;

  @ApiProperty({ description: 'sha256 of the image, 64 hex digits', example: 'a'.repeat(64) })
  @IsString()
  @Matches(SHA256_HEX, { message: 'sha256 must be 64 hex digits' })
  sha256: string;
}

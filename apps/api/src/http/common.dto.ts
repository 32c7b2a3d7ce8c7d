import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, IsString, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';

/**
 * A nested DTO, or with `each` a list of them: each an object, validated as `type`.
 * class-validator's `@ValidateNested` alone, given an array where it expects an object,
 * validates the array's elements instead: `items: [[]]` passed as one order line with no sku
 * and no price. `nested-dto.spec.ts` fails on a `@ValidateNested` without `@IsObject`.
 */
export function Nested(type: () => Function, { each = false } = {}): PropertyDecorator {
  return applyDecorators(IsObject({ each }), ValidateNested({ each }), Type(type));
}

/**
 * A field that may be left out, but not sent as null: `@IsOptional` lets null through
 * unvalidated, and where a change is merged over what is stored (a policy's rules) a null
 * would replace the stored value.
 */
export function Omittable(): PropertyDecorator {
  return ValidateIf((_, value) => value !== undefined);
}

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

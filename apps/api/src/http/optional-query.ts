import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsOptional } from 'class-validator';

/**
 * An optional query parameter, where an empty value (`?status=&limit=`) means "not given": the
 * contract writes its queries with every parameter present, and clients send unset filters so.
 * Reads the raw value, as `@Type(() => Number)` has already made `''` into 0 by now.
 */
export function OptionalQuery(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value, obj, key }) => (obj[key] === '' ? undefined : value)),
    IsOptional(),
  );
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { REASON_CODES, ReasonCode, RETURN_METHODS, RETURN_TYPES, ReturnMethod, ReturnType } from '@returns/contracts';
import { storableText } from '@returns/database';
import { ReturnRequestBody } from '@returns/intake';
import { Nested, PHOTO_URL, PhotoDto, SHA256_HEX } from '../http/common.dto';

/** The limits of a return request, shared by the DTO's decorators and `certainReturnRequest`. */
const MAX = { id: 128, quantity: 100_000, text: 2000, items: 100, photos: 20, channel: 32, url: 2048 } as const;

export class ReturnLineDto {
  @ApiProperty({ example: 'S1' }) @IsString() @IsNotEmpty() @MaxLength(MAX.id) sku: string;
  @ApiProperty({ example: 1, minimum: 1 }) @IsInt() @Min(1) @Max(MAX.quantity) quantity: number;
}

/** `POST /v1/returns`. */
export class CreateReturnDto {
  @ApiProperty({ example: 'o1' }) @IsString() @IsNotEmpty() @MaxLength(MAX.id) orderId: string;

  @ApiProperty({ enum: RETURN_TYPES }) @IsIn(RETURN_TYPES) type: ReturnType;

  @ApiProperty({ enum: REASON_CODES }) @IsIn(REASON_CODES) reasonCode: ReasonCode;

  @ApiPropertyOptional({ example: '收到的顏色和圖片差很多', maxLength: MAX.text }) @IsOptional() @IsString() @MaxLength(MAX.text) reasonText?: string;

  @ApiPropertyOptional({ enum: RETURN_METHODS, description: 'required except for REFUND_ONLY' })
  @ValidateIf((o: CreateReturnDto) => o.type !== 'REFUND_ONLY' || o.returnMethod !== undefined)
  @IsIn(RETURN_METHODS)
  returnMethod?: ReturnMethod;

  @ApiProperty({ type: [ReturnLineDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX.items)
  @Nested(() => ReturnLineDto, { each: true })
  items: ReturnLineDto[];

  @ApiPropertyOptional({ type: [PhotoDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX.photos)
  @Nested(() => PhotoDto, { each: true })
  photos?: PhotoDto[];

  @ApiPropertyOptional({ example: 'app' }) @IsOptional() @IsString() @MaxLength(MAX.channel) channel?: string;
}

const RETURN_KEYS = new Set(['orderId', 'type', 'reasonCode', 'reasonText', 'returnMethod', 'items', 'photos', 'channel']);

/**
 * The parsed JSON body of `POST /v1/returns` as the request to accept, when it is certainly
 * one the ValidationPipe would pass unchanged as a `CreateReturnDto`; otherwise null, and the
 * controller's ValidationPipe has the last word (and writes the error). It only ever says
 * yes to less than the DTO allows: a null where a field may be absent, a string near a
 * length limit that counts surrogate pairs once, or an unknown key, all answer null; so does
 * text PostgreSQL cannot store, which `BodyLimitsPipe` refuses before it can spoil a batch.
 */
export function certainReturnRequest(body: unknown): ReturnRequestBody | null {
  if (!isPlainObject(body)) return null;
  for (const key in body) if (!RETURN_KEYS.has(key)) return null;
  const { orderId, type, reasonCode, reasonText, returnMethod, items, photos, channel } = body;
  if (!isText(orderId, MAX.id, 1) || !isOneOf(type, RETURN_TYPES) || !isOneOf(reasonCode, REASON_CODES)) return null;
  if (returnMethod === undefined ? type !== 'REFUND_ONLY' : !isOneOf(returnMethod, RETURN_METHODS)) return null;
  if (!(reasonText === undefined || isText(reasonText, MAX.text)) || !(channel === undefined || isText(channel, MAX.channel))) return null;
  if (!Array.isArray(items) || items.length < 1 || items.length > MAX.items || !items.every(isReturnLine)) return null;
  if (!(photos === undefined || (Array.isArray(photos) && photos.length <= MAX.photos && photos.every(isPhoto)))) return null;
  return body as unknown as ReturnRequestBody;
}

function isReturnLine(line: unknown): boolean {
  if (!isPlainObject(line) || !hasOnly(line, 'sku', 'quantity')) return false;
  const { sku, quantity } = line;
  return isText(sku, MAX.id, 1) && Number.isInteger(quantity) && (quantity as number) >= 1 && (quantity as number) <= MAX.quantity;
}

function isPhoto(photo: unknown): boolean {
  if (!isPlainObject(photo) || !hasOnly(photo, 'url', 'sha256')) return false;
  const { url, sha256 } = photo;
  return isText(url, MAX.url) && PHOTO_URL.test(url) && typeof sha256 === 'string' && SHA256_HEX.test(sha256);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** Exactly these two keys, both present. */
function hasOnly(value: Record<string, unknown>, a: string, b: string): boolean {
  let n = 0;
  for (const key in value) if ((key !== a && key !== b) || ++n > 2) return false;
  return n === 2;
}

/** A storable string of at most `max` UTF-16 units (so at most `max` characters as class-validator counts them) and at least `min`. */
function isText(value: unknown, max: number, min = 0): value is string {
  return typeof value === 'string' && value.length <= max && value.length >= min && storableText(value);
}

function isOneOf(value: unknown, allowed: readonly string[]): boolean {
  return typeof value === 'string' && allowed.includes(value);
}

export class ReviewDto {
  @ApiProperty({ enum: ['APPROVE', 'REJECT'] }) @IsIn(['APPROVE', 'REJECT']) decision: 'APPROVE' | 'REJECT';
  @ApiPropertyOptional({ maxLength: 2000 }) @IsOptional() @IsString() @MaxLength(2000) note?: string;
}

export class CancelDto {
  @ApiPropertyOptional({ maxLength: 2000 }) @IsOptional() @IsString() @MaxLength(2000) note?: string;
}

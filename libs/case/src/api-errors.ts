import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';

/**
 * The contract's error shape `{statusCode, error, code, message}` (CONTRACT.md,
 * "Conventions"), in one place: `code` is the stable machine code clients branch on.
 */
export function notFound(code: string, message: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', code, message });
}

export function conflict(code: string, message: string): ConflictException {
  return new ConflictException({ statusCode: 409, error: 'Conflict', code, message });
}

/** A 400 naming each field at fault, as the ValidationPipe does. */
export function badRequest(messages: string[], code?: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', ...(code ? { code } : {}), message: messages });
}

import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { IllegalTransitionError } from '@returns/case';

/** A move the state machine refuses answers 409 INVALID_TRANSITION (and changes nothing). */
@Catch(IllegalTransitionError)
export class IllegalTransitionFilter implements ExceptionFilter {
  catch(error: IllegalTransitionError, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(409).json({
      statusCode: 409,
      error: 'Conflict',
      code: error.code,
      message: `a return in ${error.from} cannot move to ${error.to}`,
    });
  }
}

/** PostgreSQL is restarting or unreachable: SQLSTATE classes 08 and 57P, or no connection at all. */
export function databaseUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (/^08/.test(code) || /^57P0[1-3]$/.test(code) || code === 'ECONNREFUSED')) return true;
  return typeof message === 'string' && /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/.test(message);
}

/**
 * Errors that never reach a controller's own handling, in the contract's error shape:
 * the body parser's (over 100 kB: 413, an unsupported charset: 415, a broken
 * Content-Encoding: 400), and a database that is restarting (503 with Retry-After, so
 * clients retry with the same Idempotency-Key rather than treat it as a failure).
 */
@Catch()
export class BodyParserErrorFilter extends BaseExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    if (!(error instanceof HttpException) && databaseUnavailable(error)) {
      host.switchToHttp().getResponse<Response>().status(503).setHeader('Retry-After', '2').json({
        statusCode: 503,
        error: 'Service Unavailable',
        code: 'DATABASE_UNAVAILABLE',
        message: 'the database is not answering; retry with the same Idempotency-Key',
      });
      return;
    }
    // http-errors from body-parser: a 4xx status and `expose` (or a parser `type`).
    const parser = error as { type?: unknown; status?: unknown; statusCode?: unknown; expose?: unknown; message?: string };
    const status = Number(parser?.statusCode ?? parser?.status);
    const fromParser = typeof parser?.type === 'string' || parser?.expose === true;
    if (fromParser && status >= 400 && status < 500 && !(error instanceof HttpException)) {
      host.switchToHttp().getResponse<Response>().status(status).json({
        statusCode: status,
        error: STATUS_CODES[status] ?? 'Bad Request',
        code: typeof parser.type === 'string' ? parser.type.toUpperCase().replace(/\./g, '_') : 'UNREADABLE_BODY',
        message: parser.message ?? STATUS_CODES[status],
      });
      return;
    }
    super.catch(error, host);
  }
}

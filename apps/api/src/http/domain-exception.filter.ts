import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { IllegalTransitionError } from '@returns/case';
import { IntakeBacklogException } from '@returns/intake';
import { databaseUnavailable, lockTimedOut, textRefused } from '@returns/database';
import { redisUnavailable } from '@returns/queue';
import { PaymentGatewayUnavailableError } from '@returns/refund';
import { UNSUPPORTED_TEXT } from './body-limits.pipe';

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

/** Intake past its high-water mark answers 429 with how long to wait, whichever way the request came (a return, an upstream event). */
@Catch(IntakeBacklogException)
export class IntakeBacklogFilter implements ExceptionFilter {
  catch(error: IntakeBacklogException, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(429).setHeader('Retry-After', String(error.retryAfterSeconds)).json(error.getResponse());
  }
}

/**
 * Errors that never reach a controller's own handling, in the contract's error shape:
 * the body parser's (over 100 kB: 413, an unsupported charset: 415, a broken
 * Content-Encoding: 400), text PostgreSQL cannot store (a NUL character, half a surrogate pair: 400, as
 * `BodyLimitsPipe` answers at the door), a database that is restarting (503 with Retry-After, so
 * clients retry with the same Idempotency-Key rather than treat it as a failure) or a row held
 * by another session past DATABASE_LOCK_TIMEOUT (503 DATABASE_BUSY), the payment gateway not answering finance's
 * retry (503 PAYMENT_GATEWAY_UNAVAILABLE), and Redis not answering where a request needs it
 * (the admin's queue views and redrives, recovery: 503 with Retry-After; intake does without it).
 */
@Catch()
export class BodyParserErrorFilter extends BaseExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const unavailable = (retryAfterSeconds: number, code: string, message: string) =>
      host.switchToHttp().getResponse<Response>().status(503).setHeader('Retry-After', String(retryAfterSeconds)).json({ statusCode: 503, error: 'Service Unavailable', code, message });
    // Redis's errors first: they are told by ioredis's own names and messages, the database's
    // partly by bare socket codes (ECONNRESET) that say nothing of which server cut them.
    if (!(error instanceof HttpException) && redisUnavailable(error)) {
      unavailable(5, 'REDIS_UNAVAILABLE', 'Redis is not answering; retry once it is back');
      return;
    }
    if (!(error instanceof HttpException) && databaseUnavailable(error)) {
      unavailable(2, 'DATABASE_UNAVAILABLE', 'the database is not answering; retry with the same Idempotency-Key');
      return;
    }
    if (error instanceof PaymentGatewayUnavailableError) {
      unavailable(30, 'PAYMENT_GATEWAY_UNAVAILABLE', error.message);
      return;
    }
    if (!(error instanceof HttpException) && lockTimedOut(error)) {
      unavailable(1, 'DATABASE_BUSY', 'a row this request needs is held by another session; nothing was changed, retry');
      return;
    }
    if (!(error instanceof HttpException) && textRefused(error)) {
      host.switchToHttp().getResponse<Response>().status(400).json(UNSUPPORTED_TEXT);
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

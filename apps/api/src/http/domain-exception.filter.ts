import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
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

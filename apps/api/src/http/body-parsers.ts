import { BadRequestException, CallHandler, ExecutionContext, INestApplication, Injectable, NestInterceptor } from '@nestjs/common';
import { json, NextFunction, Request, Response, urlencoded } from 'express';
import { Observable } from 'rxjs';

/** Where `holdUnparsableBody` leaves the parser's error for `UnparsableBodyInterceptor`. */
const UNPARSABLE = Symbol('unparsable body');

type HeldRequest = Request & { rawBody?: Buffer; [UNPARSABLE]?: Error };

/**
 * The JSON and form body parsers, put in place by us (Nest skips its own when it finds them),
 * so that a body that is not JSON waits for the guards. Express parses bodies before any
 * guard runs, and its parser answers bad JSON at once: a caller with no API key, with a key
 * whose role may not ask, or an upstream event with no signature heard 400 "Unexpected end
 * of JSON input" where the contract says 401 or 403. Now the parse error is held on the
 * request and answered by `UnparsableBodyInterceptor`, after the guards and before the pipes.
 * Other parser errors (a body too large, an unknown charset) are still answered at once:
 * the body is not read, or not readable, whoever sends it.
 *
 * The raw bytes are kept on `request.rawBody`, as Nest's `rawBody: true` keeps them: an
 * upstream event's signature is checked against them, bad JSON or not.
 */
export function installBodyParsers(app: INestApplication): void {
  const keepRawBody = (request: HeldRequest, _response: Response, bytes: Buffer) => {
    request.rawBody = bytes;
  };
  app.use(json({ verify: keepRawBody }));
  app.use(urlencoded({ extended: true, verify: keepRawBody }));
  app.use(holdUnparsableBody);
  app.useGlobalInterceptors(new UnparsableBodyInterceptor());
}

/** Express error middleware: a body that is not JSON goes on with no body and its error held. */
function holdUnparsableBody(error: unknown, request: HeldRequest, _response: Response, next: NextFunction): void {
  if ((error as { type?: unknown } | null)?.type !== 'entity.parse.failed') return next(error);
  request.body = undefined;
  request[UNPARSABLE] = error as Error;
  next();
}

/** The 400 for a body that is not JSON, in the parser's words. */
function invalidJson(error: Error) {
  return { statusCode: 400, error: 'Bad Request', code: 'INVALID_JSON', message: error.message } as const;
}

/** 400 INVALID_JSON for a request whose body could not be parsed, once the guards have let it through. */
@Injectable()
export class UnparsableBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const error = context.switchToHttp().getRequest<HeldRequest>()[UNPARSABLE];
    if (error) throw new BadRequestException(invalidJson(error));
    return next.handle();
  }
}

/**
 * The same for routes outside Nest (Bull Board's), which no interceptor reaches: Express
 * middleware to put after their own check of the caller.
 */
export function refuseUnparsableBody(request: HeldRequest, response: Response, next: NextFunction): void {
  const error = request[UNPARSABLE];
  if (error) return void response.status(400).json(invalidJson(error));
  next();
}

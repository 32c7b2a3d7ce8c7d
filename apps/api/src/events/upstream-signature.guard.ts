import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { verifySignature } from '@returns/contracts';

/**
 * An upstream post's `X-Signature` must be the HMAC of its raw body (contract, "Auth": bad or
 * missing signature, 401, nothing stored). A guard, so it runs after the API key's and before
 * any pipe: an unsigned sender gets 401 whatever it posted, even a body every pipe would refuse
 * (a NUL character, nesting too deep), and learns nothing from our validation messages.
 */
@Injectable()
export class UpstreamSignatureGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RawBodyRequest<Request>>();
    if (!verifySignature(request.rawBody, request.header('x-signature'), this.config.webhookSecret)) {
      throw new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', code: 'BAD_SIGNATURE', message: 'X-Signature does not match the body: sha256=<hex HMAC-SHA256 of the raw body>' });
    }
    return true;
  }
}

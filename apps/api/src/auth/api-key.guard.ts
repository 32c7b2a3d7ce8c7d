import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { Role } from '@returns/contracts';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';

/** Who is calling, as the guard found them. */
export interface Caller {
  role: Role;
  /** a stable, non-secret id of the API key: scopes idempotency keys per client */
  clientId: string;
}

export type AuthedRequest = Request & { caller: Caller };

/** The configured API keys: who an `Authorization` header names, and what their role may do. */
@Injectable()
export class ApiKeys {
  /** The client id of each configured key, hashed once rather than on every request. */
  private readonly clientIds = new Map<string, string>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** `Bearer <key>` of a configured key: its caller; anything else, undefined. */
  callerOf(authorization: string | undefined): Caller | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const role = match ? this.config.apiKeys.get(match[1]) : undefined;
    return match && role ? { role, clientId: this.clientIdOf(match[1]) } : undefined;
  }

  /** Whether `role` may call a route open to `allowed`; admin may call every route. */
  allows(role: Role, allowed: readonly Role[]): boolean {
    return role === 'admin' || allowed.includes(role);
  }

  private clientIdOf(key: string): string {
    let id = this.clientIds.get(key);
    if (!id) this.clientIds.set(key, (id = createHash('sha256').update(key).digest('hex').slice(0, 24)));
    return id;
  }
}

/** `Authorization: Bearer <api key>`; each key has one role (CONTRACT.md, "Auth"). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const caller = this.keys.callerOf(request.headers.authorization);
    if (!caller) {
      throw new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', code: 'UNAUTHENTICATED', message: 'a valid API key is required: Authorization: Bearer <key>' });
    }
    request.caller = caller;
    if (!this.keys.allows(caller.role, this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? [])) {
      throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', code: 'FORBIDDEN_ROLE', message: `role ${caller.role} may not do this` });
    }
    return true;
  }
}

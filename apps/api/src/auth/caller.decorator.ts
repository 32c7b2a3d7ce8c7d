import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthedRequest, Caller } from './api-key.guard';

/** The authenticated caller of the request. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => context.switchToHttp().getRequest<AuthedRequest>().caller);

/** How a caller is named in the timeline, e.g. `agent:3f2a…`. */
export function actorOf(caller: Caller): string {
  return `${caller.role}:${caller.clientId.slice(0, 8)}`;
}

/** How an agent is named on a decision and a claim: `agent:<key id>`. */
export function agentOf(caller: Caller): string {
  return `agent:${caller.clientId.slice(0, 8)}`;
}

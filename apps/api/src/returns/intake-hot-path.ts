import { Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { Role } from '@returns/contracts';
import { ApiKeys } from '../auth/api-key.guard';
import { ROLES_KEY } from '../auth/roles.decorator';
import { certainReturnRequest } from './create-return.dto';
import { IntakeMetrics } from './intake-metrics';
import { idempotencyKeyProblem, ReturnAcceptor } from './return-acceptor';
import { ReturnsController } from './returns.controller';

/** The JSON body limit of the body parser behind it (body-parser's default, 100 kB). */
const MAX_BODY_BYTES = 100 * 1024;
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

/**
 * The Double-11 hot path: `POST /v1/returns` from an allowed caller, with a usable
 * Idempotency-Key and a body that is certainly valid, is accepted in front of Express.
 * Express alone (its request set-up, router and body parser) costs several times what
 * accepting the request does; Nest's guard, pipes and class-transformer as much again.
 *
 * Every other request, and this one whenever anything is in doubt (a header, the JSON,
 * the body), goes to Express exactly as it came in, body and all, and
 * `ReturnsController.create` answers it as it always has. So does a request whose
 * acceptance failed here (404, 409, 429, 503): the controller answers with that error
 * (`ReturnAcceptor.failedBefore`) instead of trying it a second time.
 */
@Injectable()
export class IntakeHotPath {
  private readonly logger = new Logger(IntakeHotPath.name);
  /** The roles of `ReturnsController.create`, read from its @Roles once. */
  private readonly allowed: readonly Role[];

  constructor(
    private readonly keys: ApiKeys,
    private readonly acceptor: ReturnAcceptor,
    private readonly metrics: IntakeMetrics,
    reflector: Reflector,
  ) {
    this.allowed = reflector.get<Role[]>(ROLES_KEY, ReturnsController.prototype.create) ?? [];
  }

  /** Puts the hot path in front of the server's one request listener (Nest's Express app). */
  install(server: Server): void {
    const listeners = server.listeners('request') as RequestListener[];
    if (listeners.length !== 1) throw new Error(`the intake hot path expects one request listener, found ${listeners.length}`);
    const [app] = listeners;
    server.removeListener('request', app);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => this.handle(request, response, app));
  }

  private handle(request: IncomingMessage, response: ServerResponse, app: RequestListener): void {
    if (request.method !== 'POST' || request.url !== '/v1/returns') return void app(request, response);
    this.metrics.observe(response);
    const sender = this.sender(request);
    if (!sender) return void app(request, response);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      const body = certainReturnRequest(parseJson(bytes));
      if (!body) return void app(replay(request, bytes), response);
      this.acceptor.accept(sender.clientId, sender.key, body).then(
        (answer) => {
          const json = JSON.stringify(answer);
          response.writeHead(202, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
          response.end(json);
        },
        (error: unknown) => {
          this.logger.debug(`accepting in the hot path failed (${String(error)}); the controller answers`);
          const handedOn = replay(request, bytes);
          this.acceptor.failedBefore(handedOn, error);
          app(handedOn, response);
        },
      );
    });
  }

  /** Who sends a `POST /v1/returns` the hot path may take, judged by its headers alone; else undefined. */
  private sender(request: IncomingMessage): { clientId: string; key: string } | undefined {
    const { headers } = request;
    const length = Number(headers['content-length']);
    if (!(length > 0 && length <= MAX_BODY_BYTES) || headers['transfer-encoding'] || headers['content-encoding']) return undefined;
    if (!JSON_TYPES.has(headers['content-type']?.toLowerCase() ?? '')) return undefined;
    const key = headers['idempotency-key'];
    if (typeof key !== 'string' || idempotencyKeyProblem(key)) return undefined;
    const caller = this.keys.callerOf(headers.authorization);
    return caller && this.keys.allows(caller.role, this.allowed) ? { clientId: caller.clientId, key } : undefined;
  }
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A request just like `original`, whose body has not been read: `bytes` again. */
function replay(original: IncomingMessage, bytes: Buffer): IncomingMessage {
  const copy = new IncomingMessage(original.socket);
  copy.method = original.method;
  copy.url = original.url;
  copy.headers = original.headers;
  copy.rawHeaders = original.rawHeaders;
  copy.httpVersion = original.httpVersion;
  copy.httpVersionMajor = original.httpVersionMajor;
  copy.httpVersionMinor = original.httpVersionMinor;
  copy.push(bytes);
  copy.push(null);
  copy.complete = true;
  return copy;
}

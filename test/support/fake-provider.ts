import { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { localServer, LocalServer } from './local-server';

/** A request a fake provider received, as it came. */
export interface SeenRequest {
  method: string;
  /** raw, as sent: still percent-encoded */
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** Answers one request in place of the fake provider. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Answers with `status` and, unless undefined, `json`. */
export type Send = (status: number, json?: unknown) => void;

/**
 * A provider on 127.0.0.1 speaking one of our HTTP adapters' APIs: it records every
 * request, wants `Bearer <apiKey>` (401 otherwise) and leaves the rest to `answer`;
 * `answerNextWith` makes it misbehave for one request.
 */
export abstract class FakeProvider {
  readonly seen: SeenRequest[] = [];
  private readonly overrides: Handler[] = [];
  private server!: LocalServer;
  url = '';

  constructor(private readonly apiKey: string) {}

  async start(): Promise<this> {
    this.server = await localServer((req, text, res) => {
      const body = text ? JSON.parse(text) : undefined;
      this.seen.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      const override = this.overrides.shift();
      if (override) return override(req, res);
      const send: Send = (status, json) => {
        res.writeHead(status, json === undefined ? {} : { 'content-type': 'application/json' });
        res.end(json === undefined ? undefined : JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${this.apiKey}`) return send(401, { error: 'unauthorized' });
      this.answer(req, body, send);
    });
    this.url = this.server.url;
    return this;
  }

  /** The next request gets `handler`'s answer instead of the provider's. */
  answerNextWith(handler: Handler): void {
    this.overrides.push(handler);
  }

  requests(method: string): SeenRequest[] {
    return this.seen.filter((s) => s.method === method);
  }

  stop(): Promise<void> {
    return this.server.close();
  }

  /** The provider's answer to an authorised request. */
  protected abstract answer(req: IncomingMessage, body: any, send: Send): void;
}

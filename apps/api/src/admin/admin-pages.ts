import { INestApplication } from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { NextFunction, Request, Response } from 'express';
import { QueueName } from '@returns/contracts';
import { JobProducer } from '@returns/queue';
import { ApiKeys } from '../auth/api-key.guard';
import { refuseUnparsableBody } from '../http/body-parsers';
import { DASHBOARD_HTML } from './dashboard.html';

/** Where the dashboard keeps the admin's key for Bull Board, which a browser cannot send a header to. */
export const ADMIN_KEY_COOKIE = 'returns_admin_key';

/**
 * The admin's pages (CONTRACT.md, "Admin and operations"): the dashboard at `GET /admin`
 * (the page holds no data: it asks for the key once and keeps it in the browser) and Bull
 * Board at `/admin/queues`, for admins only: `Authorization: Bearer <key>` or the cookie the
 * dashboard sets with the key.
 */
export function installAdminPages(app: INestApplication): void {
  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  const producer = app.get(JobProducer);
  createBullBoard({ queues: Object.values(QueueName).map((name) => new BullMQAdapter(producer.queue(name))), serverAdapter: board });
  app.use('/admin/queues', adminOnly(app.get(ApiKeys)), refuseUnparsableBody, board.getRouter());
  app.use('/admin', (request: Request, response: Response, next: NextFunction) => {
    if (request.method !== 'GET' || (request.path !== '/' && request.path !== '')) return next();
    response.type('html').setHeader('Cache-Control', 'no-store').send(DASHBOARD_HTML);
  });
}

/** Lets through an admin's key, from the header or the dashboard's cookie: 401 without one, 403 for another role. */
function adminOnly(keys: ApiKeys) {
  return (request: Request, response: Response, next: NextFunction) => {
    const cookie = keyInCookie(request.headers.cookie);
    const caller = keys.callerOf(request.headers.authorization ?? (cookie ? `Bearer ${cookie}` : undefined));
    if (!caller) {
      response.status(401).json({ statusCode: 401, error: 'Unauthorized', code: 'UNAUTHENTICATED', message: 'an admin key is required: open /admin and enter it, or send Authorization: Bearer <key>' });
      return;
    }
    if (!keys.allows(caller.role, [])) {
      response.status(403).json({ statusCode: 403, error: 'Forbidden', code: 'FORBIDDEN_ROLE', message: `role ${caller.role} may not do this` });
      return;
    }
    next();
  };
}

/** The key the dashboard keeps in its cookie; none when the cookie holds no key it could have written (not URI-encoded). */
function keyInCookie(header: string | undefined): string | undefined {
  const match = /(?:^|;\s*)returns_admin_key=([^;]+)/.exec(header ?? '');
  try {
    return match ? decodeURIComponent(match[1]) : undefined;
  } catch {
    return undefined; // a URIError: an answer of 401, not 500
  }
}

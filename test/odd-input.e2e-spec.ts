import { AddressInfo } from 'node:net';
import { ROLES, signBody } from '@returns/contracts';
import { failedJobs, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { ownDatabase } from './support/own-database';
import { TestService } from './support/service';

/**
 * No input is the server's fault: every operation of the OpenAPI document, given a body built
 * from its own schema with one field at a time made odd (a wrong type, an empty or nested
 * array, a huge number, an impossible date, text PostgreSQL cannot store, the field left out),
 * and every query parameter made odd the same way, as every role, against real cases in
 * several states, answers below 500; and what it got accepted, the workers carry without a
 * failed job. Such a fuzz found `items: [[]]` passing as an order line (a 500); the
 * contract's own tests had no case for it.
 */
describe('odd input on every route', () => {
  let service: TestService;
  let database: Awaited<ReturnType<typeof ownDatabase>> | undefined;
  let base: string;

  beforeAll(async () => {
    database = await ownDatabase('odd_input');
    service = await TestService.start({ withWorkers: true, env: { DATABASE_URL: database.url } });
    const server = service.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  type Schema = { $ref?: string; type?: string; enum?: unknown[]; example?: unknown; format?: string; minimum?: number; properties?: Record<string, Schema>; items?: Schema; allOf?: Schema[] };
  type Operation = { method: string; path: string; body?: Schema; query: string[] };

  /** The example id of the event schema, made unique per request. */
  const EVENT_ID = 'evt-1';
  const ODD_QUERY = ['', 'x', '-1', '0', '1.5', '1e400', '99999999999999999999', '2026-02-30', '2026-13-01T00:00:00Z', 'null', '%00', '%ED%A0%BD', '%E2%82', 'a'.repeat(3000), '00000000-0000-4000-8000-000000000000'];
  const ODD: unknown[] = [null, '', 'x', -1, 1.5, 1e308, 9007199254740993, true, [], {}, [[]], [null], 'a'.repeat(3000), '2026-02-30T00:00:00Z', '+275760-09-13T00:00:00.001Z', 'NaN', 'a\u0000', '\ud83d'];

  it('answers every request below 500, and what it accepted the workers carry without a failed job', async () => {
    const document = (await (await fetch(`${base}/docs-json`)).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, Schema> } };
    const resolve = (schema: Schema | undefined): Schema => (schema?.$ref ? document.components.schemas[schema.$ref.split('/').pop()!] : schema ?? {});
    /** A body of the right shape: each field its example, its first allowed value, or a plain value of its type. */
    const sample = (given: Schema | undefined, depth = 0): unknown => {
      const schema = resolve(given?.allOf?.[0] ?? given);
      if (schema.enum) return schema.enum[0];
      if (schema.example !== undefined) return schema.example;
      if (schema.type === 'object' || schema.properties) return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, value]) => [key, sample(value, depth + 1)]));
      if (schema.type === 'array') return depth > 5 ? [] : [sample(schema.items, depth + 1)];
      if (schema.type === 'integer' || schema.type === 'number') return schema.minimum ?? 1;
      if (schema.type === 'boolean') return true;
      return schema.format === 'date-time' ? new Date().toISOString() : 'x';
    };
    /** Every path to a field of `value`, nested ones too. */
    const fieldPaths = (value: unknown, prefix: string[] = []): string[][] =>
      value && typeof value === 'object' ? Object.entries(value).flatMap(([key, inner]) => [[...prefix, key], ...fieldPaths(inner, [...prefix, key])]) : [];
    const withField = (body: unknown, path: string[], value: unknown): unknown => {
      const copy = structuredClone(body) as Record<string, any>;
      let at = copy;
      for (const key of path.slice(0, -1)) at = at[key];
      if (value === undefined) delete at[path[path.length - 1]];
      else at[path[path.length - 1]] = value;
      return copy;
    };

    // Cases to aim at: approved and waiting for the parcel, in review, rejected, and unknown.
    const { orderId } = await putOrder(service);
    const ids = [];
    for (const body of [
      returnBody(orderId, { items: [{ sku: 'S1', quantity: 1 }] }),
      returnBody(orderId, { reasonCode: 'CHANGED_MIND', reasonText: '不想要了', items: [{ sku: 'S1', quantity: 1 }] }),
      returnBody(orderId, { items: [{ sku: 'NOT-IN-ORDER', quantity: 1 }] }),
    ]) {
      const created = await postReturn(service, body);
      expect(created.status).toBe(202);
      ids.push(created.body.id);
    }
    for (const id of ids) await service.waitForStatus(id, ['AWAITING_SHIPMENT', 'PENDING_REVIEW', 'REJECTED']);
    ids.push('00000000-0000-4000-8000-000000000000', 'x');

    type Described = { requestBody?: { content?: Record<string, { schema?: Schema }> }; parameters?: { name: string; in: string }[] };
    const operations: Operation[] = Object.entries(document.paths as Record<string, Record<string, Described>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        body: op.requestBody?.content?.['application/json']?.schema,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      })),
    );
    expect(operations.length).toBeGreaterThan(20);

    const failures: string[] = [];
    let sent = 0;
    const send = async (method: string, url: string, role: string, body?: unknown) => {
      sent++;
      // Each event its own id: a repeated one is answered as a duplicate without being read further.
      const event = url === '/v1/events' && (body as { id?: unknown })?.id === EVENT_ID;
      const json = body === undefined ? undefined : JSON.stringify(event ? { ...(body as object), id: `odd-event-${sent}` } : body);
      const response = await fetch(`${base}${url}`, {
        method,
        // Signed as upstream signs its events (other routes ignore the header), so an event's body is read, not refused for its signature.
        headers: { Authorization: `Bearer dev-${role}`, 'Content-Type': 'application/json', 'Idempotency-Key': `odd-${sent}`, ...(json && { 'X-Signature': signBody(json, service.config.webhookSecret) }) },
        body: json,
      });
      const text = await response.text();
      if (response.status >= 500) failures.push(`${method} ${url} as ${role}: ${response.status} ${text.slice(0, 200)} for ${JSON.stringify(body)?.slice(0, 300)}`);
      return response.status;
    };

    for (const { method, path, body: schema, query } of operations) {
      const urls = path.includes('{') ? ids.map((id) => path.replace(/\{[^}]+\}/g, id)) : [path];
      for (const url of urls) {
        if (method === 'GET' || method === 'DELETE') {
          const statuses = await Promise.all(ROLES.map((role) => send(method, url, role)));
          // Each query parameter odd in turn, and all of them given twice (an array), as the first role let through.
          const role = ROLES.find((_, i) => statuses[i] !== 401 && statuses[i] !== 403);
          if (role && query.length) {
            const variants = [...query.flatMap((name) => ODD_QUERY.map((value) => `${name}=${value}`)), query.map((name) => `${name}=1&${name}=2`).join('&')];
            await Promise.all(variants.map((variant) => send(method, `${url}?${variant}`, role)));
          }
          continue;
        }
        // An upstream event's data is an order or a return request, by its type: one of each.
        const bodies =
          path === '/v1/events'
            ? [
                { ...(sample(schema) as object), type: 'order.delivered', data: { ...(sample(document.components.schemas.UpsertOrderDto) as object), orderId } },
                { ...(sample(schema) as object), type: 'return.requested', data: { ...(sample(document.components.schemas.CreateReturnDto) as object), orderId } },
              ]
            : [schema ? sample(schema) : {}];
        for (const body of bodies) await sendOddBodies(method, url, body);
      }
    }
    expect(sent).toBeGreaterThan(2_000);
    expect(failures).toEqual([]);

    // And what was accepted the workers can carry: no job failed on it, for good or waiting to be retried.
    await service.drain(60_000);
    expect(await failedJobs(service)).toEqual([]);

    async function sendOddBodies(method: string, url: string, body: unknown): Promise<void> {
      // The roles the guard lets through get the odd bodies; the others were answered 403.
      const statuses = await Promise.all(ROLES.map((role) => send(method, url, role, body)));
      const allowed = ROLES.filter((_, i) => statuses[i] !== 401 && statuses[i] !== 403);
      const odd = fieldPaths(body).flatMap((field) => [undefined, ...ODD].map((value) => withField(body, field, value)));
      for (const role of allowed) {
        for (let i = 0; i < odd.length; i += 50) await Promise.all(odd.slice(i, i + 50).map((variant) => send(method, url, role, variant)));
      }
    }
  }, 240_000);
});

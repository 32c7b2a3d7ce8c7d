import { randomInt, randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { AddressInfo, createServer as createTcpServer, Server as TcpServer, Socket } from 'node:net';
import { loadConfig } from '@returns/config';
import { ProviderHttpError } from '@returns/contracts';
import { ChannelRouter, ChannelSimulator, HttpMessageChannel, messageIdOf, OutgoingMessage, SmtpEmailChannel, SmtpEndpoint } from '@returns/notification';
import { RedisClient } from '@returns/queue';
import { putOrder, returnFor } from './support/api-helpers';
import { orderBody, uniqueId } from './support/factories';
import { FakeProvider, Send } from './support/fake-provider';
import { TestService } from './support/service';

// ---------------------------------------------------------------------------------------
// A mail server on 127.0.0.1: plain SMTP, no TLS, no AUTH.

/** One mail the fake SMTP server took: its envelope, and its content decoded enough to read. */
interface Mail {
  from: string;
  to: string[];
  raw: string;
  headers: Record<string, string>;
  subject: string;
  text: string;
  queueId: string;
  /** which connection carried it: 1 for the server's first, and so on */
  connection: number;
}

interface SmtpBehaviour {
  /** RCPT TO answered 550 for these addresses */
  refuseRecipient?: (address: string) => boolean;
  /** no 220 greeting at all: the client should give up after its greeting timeout */
  silent?: boolean;
  /** closes each connection at once, before any greeting */
  hangUp?: boolean;
  /** the final 250 names no queue id */
  anonymous?: boolean;
}

/**
 * Any number of mail transactions per connection, one after another (a MAIL inside an open
 * one is refused, as a real server does), so a client reusing connections is served.
 */
class FakeSmtpServer {
  readonly mails: Mail[] = [];
  /** every command line received, in order */
  readonly commands: string[] = [];
  private readonly sockets = new Set<Socket>();
  private server!: TcpServer;
  private queued = 0;
  /** connections accepted so far */
  connections = 0;
  /** the most connections open at one time */
  mostOpen = 0;
  port = 0;

  constructor(readonly behaviour: SmtpBehaviour = {}) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createTcpServer((socket) => this.serve(socket));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** connections open now */
  get open(): number {
    return this.sockets.size;
  }

  /** Resolves once the clients closed every connection; rejects after `timeoutMs`. */
  async allClosed(timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.sockets.size) {
      if (Date.now() > deadline) throw new Error(`${this.sockets.size} SMTP connection(s) still open after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private serve(socket: Socket): void {
    const connection = ++this.connections;
    this.sockets.add(socket);
    this.mostOpen = Math.max(this.mostOpen, this.sockets.size);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined); // a client that hangs up mid-dialogue
    if (this.behaviour.hangUp) return void socket.destroy();
    if (this.behaviour.silent) return;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    let buffered = '';
    let inData = false;
    /** the open mail transaction's, from MAIL until its DATA is taken or RSET */
    let envelope: { from: string; to: string[] } | null = null;
    reply('220 fake.smtp.test ESMTP');
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1'); // bytes as they came; decoded per part below
      for (;;) {
        if (inData) {
          const end = buffered.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const raw = Buffer.from(buffered.slice(0, end).replace(/\r\n\.\./g, '\r\n.'), 'latin1').toString('utf8');
          buffered = buffered.slice(end + 5);
          inData = false;
          const queueId = `Q${++this.queued}`;
          this.mails.push({ ...envelope!, ...readMail(raw), raw, queueId, connection });
          envelope = null;
          reply(this.behaviour.anonymous ? '250 2.0.0 Ok' : `250 2.0.0 Ok: queued as ${queueId}`);
          continue;
        }
        const eol = buffered.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffered.slice(0, eol);
        buffered = buffered.slice(eol + 2);
        this.commands.push(line);
        const verb = line.slice(0, 4).toUpperCase();
        const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
        if (verb === 'EHLO') {
          reply('250-fake.smtp.test');
          reply('250 8BITMIME');
        } else if (verb === 'HELO') reply('250 fake.smtp.test');
        else if (verb === 'MAIL') {
          if (envelope) reply('503 5.5.1 nested MAIL command');
          else {
            envelope = { from: address, to: [] };
            reply('250 2.1.0 Ok');
          }
        } else if (verb === 'RCPT') {
          if (!envelope) reply('503 5.5.1 need MAIL command');
          else if (this.behaviour.refuseRecipient?.(address)) reply('550 5.1.1 no such mailbox');
          else {
            envelope.to.push(address);
            reply('250 2.1.5 Ok');
          }
        } else if (verb === 'DATA') {
          if (!envelope?.to.length) reply('554 5.5.1 no valid recipients');
          else {
            inData = true;
            reply('354 End data with <CR><LF>.<CR><LF>');
          }
        } else if (verb === 'RSET') {
          envelope = null;
          reply('250 2.0.0 Ok');
        } else if (verb === 'NOOP') reply('250 2.0.0 Ok');
        else if (verb === 'QUIT') {
          reply('221 2.0.0 Bye');
          socket.end();
        } else reply('502 5.5.2 command not recognized');
      }
    });
  }
}

/** Headers (unfolded, names lower-cased, encoded words decoded) and the text body (transfer encoding undone). */
function readMail(raw: string): { headers: Record<string, string>; subject: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = raw.slice(split + 4);
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const text =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? quotedPrintable(body.replace(/=\r\n/g, ''))
        : body;
  // Lines travel as CRLF; the message had LF.
  return { headers, subject: encodedWords(headers.subject ?? ''), text: text.replace(/\r\n$/, '').replace(/\r\n/g, '\n') };
}

function quotedPrintable(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(text.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047: `=?UTF-8?B?...?=` and `=?UTF-8?Q?...?=` words, adjacent ones joined byte-wise. */
function encodedWords(value: string): string {
  const parts = value.split(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)/);
  let out = '';
  let pending: Buffer[] = [];
  const flush = () => {
    out += Buffer.concat(pending).toString('utf8');
    pending = [];
  };
  parts.forEach((part, i) => {
    const word = /^=\?[^?]+\?([BbQq])\?([^?]*)\?=$/.exec(part);
    if (word) {
      pending.push(word[1].toUpperCase() === 'B' ? Buffer.from(word[2], 'base64') : Buffer.from(quotedPrintable(word[2].replace(/_/g, ' ')), 'utf8'));
    } else if (/^\s*$/.test(part) && i > 0 && i < parts.length - 1) {
      // whitespace between two encoded words is not part of the text
    } else {
      flush();
      out += part;
    }
  });
  flush();
  return out;
}

// ---------------------------------------------------------------------------------------
// A message provider on 127.0.0.1, speaking the API HttpMessageChannel documents.

/** Delivers once per Idempotency-Key. */
class FakeMessageProvider extends FakeProvider {
  /** provider message id by Idempotency-Key */
  readonly delivered = new Map<string, string>();

  protected answer(req: IncomingMessage, _body: unknown, send: Send): void {
    if (req.method !== 'POST' || !/\/messages$/.test(req.url!)) return send(404, { error: 'no such route' });
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || !key) return send(400, { error: 'Idempotency-Key required' });
    const held = this.delivered.get(key);
    if (held) return send(200, { providerMessageId: held });
    const id = `pm-${this.delivered.size + 1}-${randomUUID().slice(0, 8)}`;
    this.delivered.set(key, id);
    send(201, { providerMessageId: id });
  }
}

const FROM = 'returns@shop.example.com';

function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    messageId: randomUUID(),
    channel: 'EMAIL',
    recipient: 'li.lei@example.com',
    body: '您的退货申请 RMA-20261126-0000000001 已通过审核，请用 SF 寄回商品，运单号 SF1234567890。',
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  // Not toBeInstanceOf(Error): Node's socket errors come from another realm than Jest's.
  expect(Object.prototype.toString.call(error)).toBe('[object Error]');
  return error as Error;
}

/** The promise's outcome, or a failure if it has none within `ms`: for what must not wait for good. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A port nothing listens on (just freed). */
async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

// ---------------------------------------------------------------------------------------

describe(SmtpEmailChannel.name, () => {
  let smtp: FakeSmtpServer;
  let email: SmtpEmailChannel;
  /** Channels the tests made, each closed after its test: a pool keeps its connections open. */
  const made: SmtpEmailChannel[] = [];

  function channel(url: string, endpoint: Partial<SmtpEndpoint> = {}): SmtpEmailChannel {
    const created = new SmtpEmailChannel({ url, from: FROM, timeoutMs: 2_000, requireTls: false, ...endpoint });
    made.push(created);
    return created;
  }

  const mailId = (sent: OutgoingMessage) => `<${sent.messageId}@shop.example.com>`;

  beforeAll(async () => {
    smtp = await new FakeSmtpServer().start();
    email = new SmtpEmailChannel({ url: smtp.url, from: FROM, timeoutMs: 2_000, requireTls: false });
  });

  afterAll(async () => {
    await email?.close();
    await smtp?.stop();
  });

  beforeEach(() => {
    smtp.mails.length = 0;
    smtp.commands.length = 0;
  });

  /** Servers a test started for itself, stopped after it (its channels closed first). */
  const started: FakeSmtpServer[] = [];
  const smtpServer = async (behaviour?: SmtpBehaviour) => {
    const server = await new FakeSmtpServer(behaviour).start();
    started.push(server);
    return server;
  };

  afterEach(async () => {
    await Promise.all(made.splice(0).map((c) => c.close()));
    await Promise.all(started.splice(0).map((server) => server.stop()));
  });

  it('sends one email from SMTP_FROM to the recipient: the body as text, its first line as subject, a Message-ID made from the message id', async () => {
    const sent = message();
    const answer = await email.send(sent);

    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect({ from: mail.from, to: mail.to }).toEqual({ from: FROM, to: [sent.recipient] });
    expect(mail.headers.from).toContain(FROM);
    expect(mail.headers.to).toContain(sent.recipient);
    expect(mail.subject).toBe(sent.body);
    expect(mail.text).toBe(sent.body);
    expect(mail.headers['content-type']).toMatch(/^text\/plain; charset=utf-8/i);
    expect(mail.headers['message-id']).toBe(mailId(sent));
    // The id the server queued it under.
    expect(answer).toEqual({ providerMessageId: mail.queueId });
  });

  it('takes only the first line of a longer body as the subject', async () => {
    const sent = message({ body: 'Your return RMA-1 is approved.\nPlease send it back with SF, tracking number SF1.' });
    await email.send(sent);
    expect(smtp.mails[0].subject).toBe('Your return RMA-1 is approved.');
    expect(smtp.mails[0].text).toBe(sent.body);
  });

  it('sends a retry under the same Message-ID, and another message under another', async () => {
    const sent = message();
    await email.send(sent);
    await email.send({ ...sent });
    await email.send(message());
    const ids = smtp.mails.map((m) => m.headers['message-id']);
    expect(ids).toEqual([mailId(sent), mailId(sent), expect.not.stringContaining(sent.messageId)]);
  });

  it('answers the Message-ID when the server names no queue id', async () => {
    const anonymous = await smtpServer({ anonymous: true });
    const sent = message();
    const answer = await channel(anonymous.url).send(sent);
    expect(anonymous.mails).toHaveLength(1);
    expect(answer).toEqual({ providerMessageId: mailId(sent) });
  });

  it('sends 20 messages at once over at most 5 connections, each under its own Message-ID and answered with its own queue id', async () => {
    const server = await smtpServer();
    const pooled = channel(server.url);
    const sent = Array.from({ length: 20 }, () => message());

    const answers = await Promise.all(sent.map((m) => pooled.send(m)));

    expect(server.connections).toBeLessThanOrEqual(5);
    expect(server.mostOpen).toBeLessThanOrEqual(5);
    expect(server.mails).toHaveLength(20);
    const byId = new Map(server.mails.map((mail) => [mail.headers['message-id'], mail]));
    expect([...byId.keys()].sort()).toEqual(sent.map(mailId).sort());
    sent.forEach((m, i) => {
      expect(byId.get(mailId(m))).toMatchObject({ to: [m.recipient], text: m.body });
      expect(answers[i]).toEqual({ providerMessageId: byId.get(mailId(m))!.queueId });
    });
  });

  it('replaces a connection after 100 messages', async () => {
    const server = await smtpServer();
    const pooled = channel(server.url);
    for (let i = 0; i < 105; i++) await pooled.send(message());

    expect(server.mails).toHaveLength(105);
    const perConnection = new Map<number, number>();
    for (const mail of server.mails) perConnection.set(mail.connection, (perConnection.get(mail.connection) ?? 0) + 1);
    expect(Math.max(...perConnection.values())).toBeLessThanOrEqual(100);
    // Reused, not one connection per message.
    expect(perConnection.size).toBeLessThanOrEqual(5);
  });

  it('sends message after message on one connection without waiting on the server’s delayed ACK each time (Nagle)', async () => {
    const server = await smtpServer();
    const pooled = channel(server.url);
    await pooled.send(message()); // the connection, opened
    const started = Date.now();
    for (let i = 0; i < 50; i++) await pooled.send(message());
    // With Nagle's algorithm each message waits ~40 ms for the ACK of its body: 2 s at least.
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(server.connections).toBe(1);
  });

  it('throws when the server refuses the recipient, and sends no content', async () => {
    const refusing = await smtpServer({ refuseRecipient: () => true });
    const error = await failure(channel(refusing.url).send(message()));
    expect(error.message).toMatch(/550|rejected/i);
    expect(refusing.commands.some((c) => /^RCPT TO:<li\.lei@example\.com>/i.test(c))).toBe(true);
    expect(refusing.commands).not.toContain('DATA');
    expect(refusing.mails).toHaveLength(0);
  });

  it('fails only the message whose recipient is refused: the ones after it on the same pool arrive, each with its own envelope', async () => {
    const server = await smtpServer({ refuseRecipient: (address) => address.startsWith('nobody') });
    const pooled = channel(server.url);
    // One at a time: the refusal comes on the connection the first message used.
    const before = message();
    await pooled.send(before);
    expect((await failure(pooled.send(message({ recipient: 'nobody@example.com' })))).message).toMatch(/550/);
    const after = message({ recipient: 'han.meimei@example.com' });
    await pooled.send(after);
    // And mixed into a burst sharing the pool.
    const burst = Array.from({ length: 10 }, (_, i) => message({ recipient: i % 2 ? `nobody.${i}@example.com` : `customer.${i}@example.com` }));
    const outcomes = await Promise.allSettled(burst.map((m) => pooled.send(m)));

    expect(outcomes.map((o) => o.status)).toEqual(burst.map((_, i) => (i % 2 ? 'rejected' : 'fulfilled')));
    for (const o of outcomes) if (o.status === 'rejected') expect(String((o.reason as Error).message)).toMatch(/550/);
    const delivered = [before, after, ...burst.filter((_, i) => i % 2 === 0)];
    expect(server.mails.map((m) => [m.headers['message-id'], m.to]).sort()).toEqual(delivered.map((m) => [mailId(m), [m.recipient]]).sort());
  });

  it('sends nothing to a server that offers no TLS when TLS is required (production), the credentials kept off the wire', async () => {
    const plain = await smtpServer();
    const error = await failure(channel(plain.url, { requireTls: true }).send(message()));
    expect(error.message).toMatch(/STARTTLS|TLS/i);
    expect(plain.commands.some((c) => /^(MAIL|AUTH)/i.test(c))).toBe(false);
    expect(plain.mails).toHaveLength(0);
  });

  it('throws when no server listens', async () => {
    const port = await closedPort();
    const error = await failure(channel(`smtp://127.0.0.1:${port}`).send(message()));
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('gives up on a server that never greets after timeoutMs, not nodemailer’s 30 s', async () => {
    const silent = await smtpServer({ silent: true });
    const started = Date.now();
    const error = await failure(channel(silent.url, { timeoutMs: 300 }).send(message()));
    expect(error.message).toMatch(/greeting|timeout/i);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('throws when the server hangs up before greeting, rather than trying again on connection after connection', async () => {
    const rude = await smtpServer({ hangUp: true });
    const error = await failure(within(5_000, channel(rude.url).send(message())));
    expect(error.message).toMatch(/closed/i);
    expect(rude.connections).toBe(1);
  });

  it('on close, lets the messages under way finish, then ends every connection; a send after it throws at once', async () => {
    const server = await smtpServer();
    const pooled = channel(server.url);
    const sent = Array.from({ length: 10 }, () => message());
    const sending = Promise.all(sent.map((m) => pooled.send(m)));

    await within(5_000, pooled.close());
    expect(await sending).toHaveLength(10);
    expect(server.mails.map((m) => m.headers['message-id']).sort()).toEqual(sent.map(mailId).sort());
    await server.allClosed();

    const opened = server.connections;
    const error = await failure(within(1_000, pooled.send(message())));
    expect(error.message).toMatch(/pool closed/);
    expect(server.connections).toBe(opened);
  });
});

describe(HttpMessageChannel.name, () => {
  let provider: FakeMessageProvider;
  let sms: HttpMessageChannel;

  beforeAll(async () => {
    provider = await new FakeMessageProvider('sms-key').start();
    sms = new HttpMessageChannel('sms', { url: provider.url, apiKey: 'sms-key', timeoutMs: 2_000 });
  });

  afterAll(() => provider?.stop());

  beforeEach(() => {
    provider.seen.length = 0;
  });

  it('sends POST /messages with the Bearer key, the message id as Idempotency-Key and { channel, recipient, body }', async () => {
    const sent = message({ channel: 'SMS', recipient: '+8613800000000' });
    const answer = await sms.send(sent);

    expect(provider.seen).toHaveLength(1);
    const [seen] = provider.seen;
    expect(seen).toMatchObject({ method: 'POST', path: '/messages' });
    expect(seen.headers).toMatchObject({ authorization: 'Bearer sms-key', 'idempotency-key': sent.messageId, 'content-type': 'application/json' });
    expect(seen.body).toEqual({ channel: 'SMS', recipient: '+8613800000000', body: sent.body });
    expect(answer).toEqual({ providerMessageId: provider.delivered.get(sent.messageId) });
  });

  it('answers the same provider id for a retry under the same message id', async () => {
    const sent = message({ channel: 'SMS', recipient: '+8613800000000' });
    const first = await sms.send(sent);
    expect(await sms.send({ ...sent })).toEqual(first);
    expect((await sms.send(message({ channel: 'SMS' }))).providerMessageId).not.toBe(first.providerMessageId);
  });

  it('throws a ProviderHttpError with the status when the provider answers 500', async () => {
    provider.answerNextWith((_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'down' })));
    const error = await failure(sms.send(message({ channel: 'SMS' })));
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).toMatchObject({ provider: 'sms', status: 500, answer: { error: 'down' } });
  });

  it.each([
    ['an empty object', '{}'],
    ['an empty id', JSON.stringify({ providerMessageId: '' })],
    ['a numeric id', JSON.stringify({ providerMessageId: 42 })],
    ['an HTML page', '<html>maintenance</html>'],
    ['nothing', ''],
  ])('throws when a 200 carries %s instead of a providerMessageId', async (_what, answer) => {
    provider.answerNextWith((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
    const error = await failure(sms.send(message({ channel: 'SMS' })));
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).toMatchObject({ status: 200 });
    expect(error.message).toMatch(/providerMessageId/);
  });

  it('throws when no provider listens', async () => {
    const port = await closedPort();
    const error = await failure(new HttpMessageChannel('sms', { url: `http://127.0.0.1:${port}`, apiKey: null, timeoutMs: 2_000 }).send(message({ channel: 'SMS' })));
    expect(error).toMatchObject({ provider: 'sms', status: null });
  });
});

describe(ChannelRouter.name, () => {
  const prefix = `test-channel-router-${randomUUID()}`;
  const base = { ...process.env, QUEUE_PREFIX: prefix, SIMULATOR_LATENCY: '0ms', SIMULATOR_FAILURE_RATE: '0' };
  let client: RedisClient;
  let simulator: ChannelSimulator;
  let provider: FakeMessageProvider;
  let smtp: FakeSmtpServer;

  beforeAll(async () => {
    const config = loadConfig(base);
    client = new RedisClient(config);
    simulator = new ChannelSimulator(client, config);
    provider = await new FakeMessageProvider('key').start();
    smtp = await new FakeSmtpServer().start();
  });

  afterAll(async () => {
    const keys = await client.redis.keys(`${prefix}:*`);
    if (keys.length) await client.redis.del(...keys);
    await client.onApplicationShutdown();
    await provider?.stop();
    await smtp?.stop();
  });

  beforeEach(() => {
    provider.seen.length = 0;
    smtp.mails.length = 0;
  });

  /** Routers the tests made, shut down after each test as the application would: their SMTP pools keep connections open. */
  const made: ChannelRouter[] = [];
  afterEach(() => Promise.all(made.splice(0).map((r) => r.onApplicationShutdown())));

  function routerFor(env: Record<string, string>): ChannelRouter {
    const router = new ChannelRouter(loadConfig({ ...base, ...env }), simulator);
    made.push(router);
    return router;
  }

  const simulated = async (messageId: string) => (await simulator.delivered()).filter((d) => d.messageId === messageId);

  it('with only SMS configured, sends an SMS to its provider and every other channel to the simulator', async () => {
    const router = routerFor({ SMS_API_URL: provider.url, SMS_API_KEY: 'key' });
    const text = message({ channel: 'SMS', recipient: '+8613800000000' });
    const mail = message({ channel: 'EMAIL' });
    const wechat = message({ channel: 'WECHAT', recipient: 'o-1' });
    const push = message({ channel: 'PUSH', recipient: 't-1' });

    const answers = await Promise.all([text, mail, wechat, push].map((m) => router.send(m)));

    expect(provider.seen.map((s) => s.headers['idempotency-key'])).toEqual([text.messageId]);
    expect(answers[0]).toEqual({ providerMessageId: provider.delivered.get(text.messageId) });
    expect(await simulated(text.messageId)).toEqual([]);
    for (const [n, sent] of [mail, wechat, push].entries()) {
      expect(await simulated(sent.messageId)).toEqual([{ messageId: sent.messageId, channel: sent.channel, recipient: sent.recipient, providerMessageId: answers[n + 1].providerMessageId }]);
    }
    expect(smtp.mails).toHaveLength(0);
  });

  it('with every provider configured, sends each channel to its own: email over SMTP, the rest to their base URLs', async () => {
    const router = routerFor({
      SMTP_URL: smtp.url,
      SMTP_FROM: FROM,
      SMS_API_URL: `${provider.url}/sms`,
      SMS_API_KEY: 'key',
      WECHAT_API_URL: `${provider.url}/wechat`,
      WECHAT_API_KEY: 'key',
      PUSH_API_URL: `${provider.url}/push/`,
      PUSH_API_KEY: 'key',
    });
    const sent = [message({ channel: 'SMS' }), message({ channel: 'WECHAT' }), message({ channel: 'PUSH' }), message({ channel: 'EMAIL' })];
    for (const m of sent) await router.send(m);

    expect(provider.seen.map((s) => [s.path, s.headers['idempotency-key'], s.body.channel])).toEqual([
      ['/sms/messages', sent[0].messageId, 'SMS'],
      ['/wechat/messages', sent[1].messageId, 'WECHAT'],
      ['/push/messages', sent[2].messageId, 'PUSH'],
    ]);
    expect(smtp.mails.map((m) => m.headers['message-id'])).toEqual([`<${sent[3].messageId}@shop.example.com>`]);
    for (const m of sent) expect(await simulated(m.messageId)).toEqual([]);
  });

  it('closes its SMTP connections at shutdown, and then fails an email at once instead of waiting on the closed pool', async () => {
    const server = await new FakeSmtpServer().start();
    try {
      const router = routerFor({ SMTP_URL: server.url, SMTP_FROM: FROM });
      await Promise.all(Array.from({ length: 8 }, () => router.send(message())));
      expect(server.open).toBeGreaterThan(0);

      await within(5_000, router.onApplicationShutdown());
      await server.allClosed();

      const opened = server.connections;
      const error = await failure(within(1_000, router.send(message())));
      expect(error.message).toMatch(/pool closed/);
      expect(server.connections).toBe(opened);
      expect(server.mails).toHaveLength(8);
    } finally {
      await server.stop();
    }
  });
});

describe('customer messages through the service on real protocols', () => {
  let service: TestService;
  let smtp: FakeSmtpServer;
  let provider: FakeMessageProvider;

  beforeAll(async () => {
    smtp = await new FakeSmtpServer().start();
    provider = await new FakeMessageProvider('sms-e2e').start();
    service = await TestService.start({
      withWorkers: true,
      env: { SMTP_URL: smtp.url, SMTP_FROM: FROM, SMS_API_URL: provider.url, SMS_API_KEY: 'sms-e2e' },
    });
  });

  afterAll(async () => {
    await service?.close();
    // The worker's SMTP connections end with the application (ChannelRouter.onApplicationShutdown).
    await smtp?.allClosed();
    await provider?.stop();
    await smtp?.stop();
  });

  /** A customer of their own, so the fakes' records of other cases never match. */
  function customer(overrides: Record<string, unknown>) {
    return { ...orderBody().customer, email: `${uniqueId('c')}@example.com`, phone: `+86139${String(randomInt(1e8)).padStart(8, '0')}`, ...overrides };
  }

  async function notificationsOf(caseId: string): Promise<{ channel: string; status: string; provider_message_id: string }[]> {
    return service.db.query(`SELECT channel, status, provider_message_id FROM notifications WHERE case_id = $1 AND event = 'label.ready' ORDER BY channel`, [caseId]);
  }

  it('tells a customer with a phone and email the label by SMS over HTTP and by email over SMTP, once each', async () => {
    // No app and no WeChat: the instant channel is SMS (reachableChannels), email the written record.
    const who = customer({ pushToken: undefined, wechatOpenId: undefined });
    const { orderId } = await putOrder(service, { customer: who });
    const view = await returnFor(service, orderId, 'AWAITING_SHIPMENT');
    const { trackingNumber } = view.shipment;
    await service.drain();

    const mails = smtp.mails.filter((m) => m.to.includes(who.email));
    expect(mails).toHaveLength(1);
    expect(mails[0].from).toBe(FROM);
    expect(mails[0].text).toContain(trackingNumber);
    expect(mails[0].text).toContain(view.rmaNumber);
    expect(mails[0].headers['message-id']).toBe(`<${messageIdOf(view.id, 'label.ready', 'EMAIL')}@shop.example.com>`);

    const texts = provider.seen.filter((s) => s.body.recipient === who.phone);
    expect(texts).toHaveLength(1);
    expect(texts[0].headers).toMatchObject({ authorization: 'Bearer sms-e2e', 'idempotency-key': messageIdOf(view.id, 'label.ready', 'SMS') });
    expect(texts[0].body).toEqual({ channel: 'SMS', recipient: who.phone, body: mails[0].text });

    expect(await notificationsOf(view.id)).toEqual([
      { channel: 'EMAIL', status: 'SENT', provider_message_id: mails[0].queueId },
      { channel: 'SMS', status: 'SENT', provider_message_id: provider.delivered.get(texts[0].headers['idempotency-key'] as string) },
    ]);
    // Nothing of this case went to the simulators.
    const simulated = (await service.get(ChannelSimulator).delivered()).filter((d) => d.recipient === who.phone || d.recipient === who.email);
    expect(simulated).toEqual([]);
  });

  it('tells a customer with the app by push through the simulator (PUSH_API_URL unset) and by email over SMTP, and sends no SMS', async () => {
    const who = customer({ pushToken: `t-${randomUUID()}` });
    const { orderId } = await putOrder(service, { customer: who });
    const view = await returnFor(service, orderId, 'AWAITING_SHIPMENT');
    await service.drain();

    const mails = smtp.mails.filter((m) => m.to.includes(who.email));
    expect(mails).toHaveLength(1);
    expect(mails[0].text).toContain(view.shipment.trackingNumber);
    expect(provider.seen.filter((s) => s.body.recipient === who.phone)).toEqual([]);
    const simulated = (await service.get(ChannelSimulator).delivered()).filter((d) => [who.pushToken, who.phone, who.email].includes(d.recipient));
    expect(simulated).toEqual([{ messageId: messageIdOf(view.id, 'label.ready', 'PUSH'), channel: 'PUSH', recipient: who.pushToken, providerMessageId: expect.any(String) }]);
    expect((await notificationsOf(view.id)).map((n) => [n.channel, n.status])).toEqual([
      ['EMAIL', 'SENT'],
      ['PUSH', 'SENT'],
    ]);
  });
});

'use strict';
/**
 * A lean HTTP/1.1 client for the bench's open-loop generator: keep-alive TCP connections,
 * one request at a time on each (no pipelining), requests written as ready-made buffers and
 * answers parsed only as far as the status and the body's length.
 *
 * Why not `node:http`: the generator shares the two cores with the service it measures, and
 * Node's HTTP client cost about 0.32 ms of CPU per request there, more than the API spent
 * answering it; its own delays (a late send, a late read) are charged to the service by an
 * open-loop measurement. This client costs a small fraction of that, closer to a client on
 * another machine.
 */
const net = require('node:net');

const CRLF_CRLF = Buffer.from('\r\n\r\n');
/**
 * A connection idle longer than this is closed rather than reused: Node's HTTP server closes
 * one idle for its keepAliveTimeout (5 s), and a request written as it does so meets a reset.
 */
const MAX_IDLE_MS = 4_000;

/** Builds the bytes of one request. */
function requestBytes({ method, host, path, headers, body }) {
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n`;
  for (const [name, value] of Object.entries(headers || {})) head += `${name}: ${value}\r\n`;
  head += `content-length: ${payload.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

/** One keep-alive connection: parses the answers to the requests written on it, in turn. */
class Connection {
  constructor(host, port, onIdle, onGone) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.pending = null; // { resolve, reject, timer }
    this.buffer = Buffer.alloc(0);
    this.onIdle = onIdle;
    this.onGone = onGone;
    this.closed = false;
    this.socket.on('data', (chunk) => this.read(chunk));
    const gone = (error) => {
      if (this.closed) return;
      this.closed = true;
      this.fail(error || new Error('connection closed'));
      this.onGone(this);
    };
    this.socket.on('error', gone);
    this.socket.on('close', () => gone());
  }

  send(bytes, timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error('timeout'));
        this.socket.destroy();
      }, timeoutMs);
      this.pending = { resolve, reject, timer };
      this.socket.write(bytes);
    });
  }

  fail(error) {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    p.reject(error);
  }

  read(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const end = this.buffer.indexOf(CRLF_CRLF);
    if (end < 0) return;
    const head = this.buffer.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const lower = head.toLowerCase();
    let bodyEnd;
    const length = /\r\ncontent-length:\s*(\d+)/.exec(lower);
    if (length) {
      bodyEnd = end + 4 + Number(length[1]);
      if (this.buffer.length < bodyEnd) return;
    } else if (lower.includes('\r\ntransfer-encoding: chunked')) {
      const last = this.buffer.indexOf('\r\n0\r\n\r\n', end);
      if (last < 0) return;
      bodyEnd = last + 7;
    } else {
      bodyEnd = end + 4; // no body (a 204, say)
    }
    const body = this.buffer.subarray(end + 4, bodyEnd);
    this.buffer = this.buffer.subarray(bodyEnd);
    const p = this.pending;
    this.pending = null;
    if (p) {
      clearTimeout(p.timer);
      p.resolve({ status, body });
    }
    if (/\r\nconnection:\s*close/.test(lower)) this.socket.destroy();
    else {
      this.idleSince = Date.now();
      this.onIdle(this);
    }
  }
}

/** Keep-alive connections to one server, opened as needed, reused when idle. */
class RawHttpPool {
  constructor(host, port, { timeoutMs = 10_000 } = {}) {
    this.host = host;
    this.port = port;
    this.timeoutMs = timeoutMs;
    this.idle = [];
    this.all = new Set();
  }

  /** Sends ready-made request bytes; resolves { status, body } or rejects on error/timeout. */
  request(bytes) {
    let reused = this.idle.pop();
    while (reused && Date.now() - reused.idleSince > MAX_IDLE_MS) {
      reused.socket.destroy();
      reused = this.idle.pop();
    }
    const connection =
      reused ||
      new Connection(
        this.host,
        this.port,
        (c) => this.idle.push(c),
        (c) => {
          this.all.delete(c);
          const at = this.idle.indexOf(c);
          if (at >= 0) this.idle.splice(at, 1);
        },
      );
    this.all.add(connection);
    return connection.send(bytes, this.timeoutMs);
  }

  get open() {
    return this.all.size;
  }

  destroy() {
    for (const c of this.all) c.socket.destroy();
    this.all.clear();
    this.idle = [];
  }
}

module.exports = { RawHttpPool, requestBytes };

'use strict';
/**
 * A lean HTTP/1.1 client over Node's `http`/`https` with keep-alive sockets, one pool
 * sized to the concurrency. Resolves with { status, headers, body, json, ms } or an
 * error status 0 with `error` set (connection refused, reset, timeout).
 */
const http = require('node:http');
const https = require('node:https');

class Client {
  constructor(baseUrl, { concurrency = 64, timeoutMs = 30_000 } = {}) {
    this.base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    this.lib = this.base.protocol === 'https:' ? https : http;
    this.agent = new this.lib.Agent({ keepAlive: true, maxSockets: concurrency + 8, maxFreeSockets: concurrency + 8, keepAliveMsecs: 1_000 });
    this.timeoutMs = timeoutMs;
  }

  /**
   * @param {string} method
   * @param {string} path  relative to the base URL, e.g. `v1/returns`
   * @param {{ token?: string, body?: string | object, headers?: object }} options
   */
  request(method, path, { token, body, headers = {} } = {}) {
    const url = new URL(path.replace(/^\//, ''), this.base);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
    return new Promise((resolve) => {
      const req = this.lib.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('error', (error) => resolve({ status: 0, error, ms: elapsed(), headers: {} }));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json = null;
            try {
              json = text ? JSON.parse(text) : null;
            } catch {
              json = null;
            }
            resolve({ status: res.statusCode, headers: res.headers, body: text, json, ms: elapsed() });
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (error) => resolve({ status: 0, error, ms: elapsed(), headers: {} }));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  close() {
    this.agent.destroy();
  }
}

/** "ECONNREFUSED", "HTTP 500", ...: one word for an outcome that is not the one wanted. */
function outcomeOf(res) {
  if (res.status === 0) return res.error?.code || res.error?.message || 'network error';
  const code = res.json && typeof res.json === 'object' && res.json.code ? ` ${res.json.code}` : '';
  return `HTTP ${res.status}${code}`;
}

module.exports = { Client, outcomeOf };

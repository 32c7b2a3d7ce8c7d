import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** An HTTP server a spec runs on 127.0.0.1 (a provider, a webhook endpoint), and how to stop it. */
export interface LocalServer {
  /** `http://127.0.0.1:<port>`, no trailing slash */
  url: string;
  /** Ends open connections (keep-alive, or a request a fake never answers) and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on a free loopback port that reads each request's body whole, then
 * hands it to `answer` as text (empty when there was none).
 */
export async function localServer(answer: (req: IncomingMessage, text: string, res: ServerResponse) => void): Promise<LocalServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, Buffer.concat(chunks).toString(), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

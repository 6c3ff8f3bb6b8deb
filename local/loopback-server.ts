import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TestCa } from './test-ca.js';

export interface LoopbackServer {
  /** e.g. https://127.0.0.1:41234, without a trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 and a free port. */
export function listenHttp(handler: RequestListener): Promise<LoopbackServer> {
  return listen(createHttpServer(handler), 'http');
}

/** An HTTPS server on 127.0.0.1 and a free port, serving a certificate from the test CA. */
export async function listenHttps(ca: TestCa, name: string, handler: RequestListener): Promise<LoopbackServer> {
  const { certPem, keyPem } = await ca.issue(name);
  return listen(createHttpsServer({ cert: certPem, key: keyPem }, handler), 'https');
}

async function listen(server: Server, scheme: 'http' | 'https'): Promise<LoopbackServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`${scheme} server: no TCP address`);
  return {
    url: `${scheme}://127.0.0.1:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Clients keep connections alive; without this close() waits for their idle timeout.
        server.closeAllConnections();
      }),
  };
}

export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

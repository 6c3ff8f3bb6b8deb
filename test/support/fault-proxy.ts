import { request as httpRequest, createServer as createHttpServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest, createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { readBody } from '../../local/loopback-server.js';

/** What the proxy does to a request. */
export type Fault =
  /** Forwards it (the default). */
  | { kind: 'pass' }
  /** Nobody listens: connections are refused (the listener is closed until heal()). */
  | { kind: 'refuse' }
  /** Forwards it, sends the answer's head and half of its body, then resets the connection. */
  | { kind: 'reset' }
  /** Holds the request this long before forwarding it (if the client is still there). */
  | { kind: 'delay'; ms: number }
  /** Forwards it, sends the answer's head and half of its body, then says nothing more. */
  | { kind: 'stall' }
  /** Answers it without forwarding. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Answers it without forwarding, with an answer made from the request (e.g. one that echoes it). */
  | { kind: 'answer'; answer: (request: ProxiedRequest) => ProxiedAnswer }
  /** Forwards it and changes the answer. */
  | { kind: 'rewrite'; answer: (answer: ProxiedAnswer, request: ProxiedRequest) => ProxiedAnswer };

export type FaultKind = Fault['kind'];

export interface ProxiedRequest {
  method: string;
  /** Path and query, as received. */
  path: string;
  headers: IncomingMessage['headers'];
}

export interface ProxiedAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request seen by the proxy, and what was done to it. */
export interface ProxyLogEntry extends ProxiedRequest {
  fault: FaultKind;
  /** The status the client was sent, if any (none for reset, stall, or a client that left). */
  status?: number;
}

export interface FaultRule {
  fault: Fault;
  /** Only requests for which this is true; all by default. */
  match?: (request: ProxiedRequest) => boolean;
  /** Only this many matching requests; then the rule is dropped. */
  times?: number;
}

export interface FaultProxyOptions {
  /** Where requests go, e.g. the kube-apiserver's https://127.0.0.1:6443. */
  target: string;
  /** The CA that signed the target's certificate (https targets). */
  targetCaPem?: string;
  /** Serve HTTPS with this certificate (terminating TLS); plain HTTP without. */
  tls?: { certPem: string; keyPem: string };
}

export interface FaultProxy {
  /** e.g. https://127.0.0.1:41234, without a trailing slash. */
  url: string;
  port: number;
  /** Applies `rule` to the requests from now on, before the rules set earlier. */
  inject(rule: FaultRule): void;
  /** Back to forwarding everything (and listening again after refuse). */
  heal(): Promise<void>;
  /** Serves another certificate from now on; open connections are closed so clients see it. */
  setCertificate(cert: { certPem: string; keyPem: string }): void;
  /** Every request received, oldest first. */
  log: ProxyLogEntry[];
  stop(): Promise<void>;
}

/** Ends a connection abruptly: a TCP reset, or for TLS (whose handle cannot reset) a plain close. */
function drop(socket: Socket | null): void {
  if (!socket) return;
  if (socket instanceof TLSSocket) socket.destroy();
  else socket.resetAndDestroy();
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/**
 * A small HTTP(S) proxy in front of one local service, whose faults tests switch on and off:
 * refused connections, resets mid-answer, delays, stalls, any status, rewritten answers. With
 * `tls` it terminates TLS with its own certificate (from the run's test CA, or from another CA
 * to play a server whose certificate changed) and forwards to the real service over TLS.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const secure = target.protocol === 'https:';
  let rules: FaultRule[] = [];
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Socket>();

  function ruleFor(request: ProxiedRequest): Fault {
    const index = rules.findIndex((r) => r.match?.(request) ?? true);
    if (index < 0) return { kind: 'pass' };
    const rule = rules[index]!;
    if (rule.times !== undefined && --rule.times <= 0) rules.splice(index, 1);
    return rule.fault;
  }

  function forward(request: ProxiedRequest, body: Buffer): Promise<ProxiedAnswer> {
    const headers: OutgoingHttpHeaders = Object.fromEntries(Object.entries(request.headers).filter(([k]) => !HOP_BY_HOP.has(k)));
    headers.host = target.host;
    const send = secure ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const outgoing = send({
        host: target.hostname, port: target.port, method: request.method, path: request.path, headers,
        ...(secure && options.targetCaPem ? { ca: options.targetCaPem } : {}),
        agent: false,
      }, (answer) => {
        readBody(answer).then((b) => resolve({ status: answer.statusCode ?? 502, headers: { ...answer.headers }, body: b }), reject);
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  function send(response: ServerResponse, answer: ProxiedAnswer, entry: ProxyLogEntry): void {
    const headers = Object.fromEntries(Object.entries(answer.headers).filter(([k, v]) => v !== undefined && !HOP_BY_HOP.has(k) && k !== 'content-length'));
    response.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
    response.end(answer.body);
    entry.status = answer.status;
  }

  /** The head and half of the body, then `after` (reset: destroy the socket; stall: nothing). */
  function sendPart(response: ServerResponse, answer: ProxiedAnswer, after: 'reset' | 'stall'): void {
    const headers = Object.fromEntries(Object.entries(answer.headers).filter(([k, v]) => v !== undefined && !HOP_BY_HOP.has(k) && k !== 'content-length'));
    response.writeHead(answer.status, { ...headers, 'content-length': String(Math.max(answer.body.length, 2)) });
    response.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
    if (after === 'reset') setImmediate(() => drop(response.socket));
  }

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const request: ProxiedRequest = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', headers: incoming.headers };
    const body = await readBody(incoming);
    const fault = ruleFor(request);
    const entry: ProxyLogEntry = { ...request, fault: fault.kind };
    log.push(entry);
    let gone = false;
    response.on('close', () => {
      gone = true;
    });
    try {
      switch (fault.kind) {
        case 'status':
          return send(response, { status: fault.status, headers: { 'content-type': 'application/json', ...fault.headers }, body: Buffer.from(fault.body ?? '') }, entry);
        case 'answer':
          return send(response, fault.answer(request), entry);
        case 'delay':
          await sleep(fault.ms);
          if (gone) return;
          return send(response, await forward(request, body), entry);
        case 'reset':
        case 'stall':
          return sendPart(response, await forward(request, body), fault.kind);
        case 'rewrite':
          return send(response, fault.answer(await forward(request, body), request), entry);
        case 'refuse':
          // Only a connection accepted just before the listener closed gets here.
          drop(response.socket);
          return;
        case 'pass':
          return send(response, await forward(request, body), entry);
      }
    } catch (error) {
      if (!gone) send(response, { status: 502, headers: { 'content-type': 'text/plain' }, body: Buffer.from(`fault proxy: ${String(error)}`) }, entry);
    }
  }

  const listener = (incoming: IncomingMessage, response: ServerResponse): void => void handle(incoming, response);
  const server: Server | HttpsServer = options.tls
    ? createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, listener)
    : createHttpServer(listener);
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A TLS handshake a client aborts (wrong CA) is not the proxy's problem.
  server.on('tlsClientError', () => undefined);

  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
    });
  const dropConnections = (): void => {
    for (const socket of sockets) socket.destroy();
  };

  await listen(0);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy: no TCP address');
  const port = address.port;

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    log,
    inject(rule) {
      rules = [{ ...rule }, ...rules];
      if (rule.fault.kind === 'refuse') void close();
    },
    async heal() {
      rules = [];
      if (!server.listening) await listen(port);
    },
    setCertificate(cert) {
      if (!('setSecureContext' in server)) throw new Error('fault proxy: setCertificate needs a TLS proxy');
      server.setSecureContext({ cert: cert.certPem, key: cert.keyPem });
      dropConnections();
    },
    stop: close,
  };
}

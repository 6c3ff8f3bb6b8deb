import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { listenHttps } from '../../local/loopback-server.js';
import type { TestCa } from '../../local/test-ca.js';

/** One entity the stand-in knows: a queue (`orders`) or a subscription (`events/Subscriptions/billing`). */
export interface ServiceBusEntity {
  path: string;
  activeMessageCount: number;
}

/** An answer a test makes the next requests get instead, shaped as Service Bus answers. */
export type ServiceBusFault =
  | { status: 401 | 403 | 404 | 429 | 503; detail?: string }
  /** An entity description whose CountDetails lacks ActiveMessageCount, or has `active` there. */
  | { countDetails: 'missing-active'; active?: string };

export interface ServiceBusRequest {
  method: string;
  path: string;
  apiVersion: string | null;
  auth: 'bearer' | 'sas' | 'none';
  status: number;
}

export interface ServiceBusEndpoint {
  /** host:port: what `fullyQualifiedNamespace` and a connection string's Endpoint name. */
  host: string;
  /** A connection string with the key the stand-in checks SAS signatures with. */
  connectionString: string;
  entities: ServiceBusEntity[];
  requests: ServiceBusRequest[];
  /** The next `times` requests get `fault`. */
  inject(fault: ServiceBusFault, times?: number): void;
  stop(): Promise<void>;
}

export interface ServiceBusEndpointOptions {
  ca: TestCa;
  entities: ServiceBusEntity[];
  /** Whether a bearer token is good, e.g. `(t) => identity.issuedFor(t)?.resource === 'https://servicebus.azure.net'`. */
  acceptsToken(token: string): boolean;
}

const KEY_NAME = 'RootManageSharedAccessKey';
const KEY = 'bG9jYWwtc3RhbmQtaW4ta2V5LW5vdC1hLXNlY3JldA==';
const API_VERSION = '2021-05';
const CONNECT = 'http://schemas.microsoft.com/netservices/2010/10/servicebus/connect';
const COUNTS = 'http://schemas.microsoft.com/netservices/2011/06/servicebus';

/** The error body Service Bus's management endpoint answers with (<Error><Code/><Detail/></Error>). */
const errorBody = (status: number, detail: string): string =>
  `<Error><Code>${status}</Code><Detail>${detail} TrackingId:00000000-0000-0000-0000-000000000000_G0, SystemTracker:local, Timestamp:2026-12-02T10:00:00</Detail></Error>`;

const DETAILS: Record<number, string> = {
  401: 'Manage,EntityRead claims required for this operation.',
  403: 'The request was denied: SubCode=40301.',
  404: 'The messaging entity could not be found.',
  429: 'The request was throttled.',
  503: 'The server is busy. Please try again later.',
};

/**
 * The ATOM entry of GET https://{namespace}/{entity}?api-version=2021-05, as Azure's REST reference
 * shows it: a QueueDescription or SubscriptionDescription with CountDetails in the 2011/06 namespace.
 */
function entry(base: string, e: ServiceBusEntity, countDetails: string): string {
  const url = `${base}/${e.path}?api-version=${API_VERSION}`;
  const subscription = e.path.includes('/Subscriptions/');
  const kind = subscription ? 'SubscriptionDescription' : 'QueueDescription';
  const title = subscription ? e.path.split('/').pop()! : e.path;
  const now = '2026-12-02T10:00:00.0000000Z';
  return `<entry xml:base="${url}" xmlns="http://www.w3.org/2005/Atom"><id>${url}</id><title type="text">${title}</title>`
    + `<published>2026-12-01T09:00:00Z</published><updated>2026-12-02T10:00:00Z</updated><link rel="self" href="${url}"/>`
    + `<content type="application/xml"><${kind} xmlns="${CONNECT}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">`
    + `<LockDuration>PT1M</LockDuration>${subscription ? '' : '<MaxSizeInMegabytes>1024</MaxSizeInMegabytes><SizeInBytes>2048</SizeInBytes>'}`
    + `<MessageCount>${e.activeMessageCount}</MessageCount>${countDetails}`
    + `<CreatedAt>2026-12-01T09:00:00Z</CreatedAt><UpdatedAt>${now}</UpdatedAt><AccessedAt>${now}</AccessedAt><Status>Active</Status>`
    + `</${kind}></content></entry>`;
}

const countDetails = (active: string | undefined): string =>
  `<CountDetails xmlns:d2p1="${COUNTS}">${active === undefined ? '' : `<d2p1:ActiveMessageCount>${active}</d2p1:ActiveMessageCount>`}`
  + '<d2p1:DeadLetterMessageCount>1</d2p1:DeadLetterMessageCount><d2p1:ScheduledMessageCount>2</d2p1:ScheduledMessageCount>'
  + '<d2p1:TransferMessageCount>0</d2p1:TransferMessageCount><d2p1:TransferDeadLetterMessageCount>0</d2p1:TransferDeadLetterMessageCount></CountDetails>';

/** What the service answers for an entity that does not exist: 200 and an empty feed. */
const emptyFeed = (url: string): string =>
  `<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">Publicly Listed Services</title><subtitle type="text">This is the list of publicly-listed services currently available.</subtitle><id>uuid:00000000-0000-0000-0000-000000000000;id=1</id><updated>2026-12-02T10:00:00Z</updated><generator>Service Bus 1.1</generator><link rel="self" href="${url}"/></feed>`;

/** A SAS signature as Service Bus checks it: HMAC-SHA256 of "<url-encoded resource>\n<expiry>" with the key. */
function goodSignature(header: string, now: number): boolean {
  const fields = new Map(header.replace(/^SharedAccessSignature /, '').split('&').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const));
  const [sig, se, skn, sr] = [fields.get('sig'), fields.get('se'), fields.get('skn'), fields.get('sr')];
  if (!sig || !se || !sr || skn !== KEY_NAME || Number(se) * 1000 < now) return false;
  const want = createHmac('sha256', KEY).update(`${sr}\n${se}`).digest();
  const got = Buffer.from(decodeURIComponent(sig), 'base64');
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * A local HTTPS stand-in for the one Service Bus call the scaler makes: the ATOM management read
 * of a queue's or subscription's runtime properties (GET https://{namespace}/{entity}?api-version=...),
 * which no local broker serves (the Service Bus emulator needs Docker; AMQP brokers have no ATOM
 * API). Answers are shaped from Azure's published REST examples: the entry with CountDetails, the
 * empty feed of a missing entity, and the error bodies; a bearer token or a SAS signature is required.
 */
export async function startServiceBusEndpoint(options: ServiceBusEndpointOptions): Promise<ServiceBusEndpoint> {
  const entities = [...options.entities];
  const requests: ServiceBusRequest[] = [];
  const faults: ServiceBusFault[] = [];
  let base = '';
  const server = await listenHttps(options.ca, 'servicebus', (request, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'https://localhost');
    const header = request.headers.authorization ?? '';
    const auth = header.startsWith('Bearer ') ? 'bearer' : header.startsWith('SharedAccessSignature ') ? 'sas' : 'none';
    const path = decodeURIComponent(url.pathname.slice(1));
    const answer = (status: number, body: string, headers: Record<string, string> = {}): void => {
      requests.push({ method: request.method ?? 'GET', path, apiVersion: url.searchParams.get('api-version'), auth, status });
      response.writeHead(status, { 'content-type': 'application/atom+xml;type=entry;charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
      response.end(body);
    };
    const authorized = auth === 'bearer' ? options.acceptsToken(header.slice('Bearer '.length)) : auth === 'sas' && goodSignature(header, Date.now());
    if (!authorized) return answer(401, errorBody(401, 'claim is empty or token is invalid.'));
    const fault = faults.shift();
    if (fault && 'status' in fault) {
      const retryAfter: Record<string, string> = fault.status === 429 || fault.status === 503 ? { 'retry-after': '0' } : {};
      return answer(fault.status, errorBody(fault.status, fault.detail ?? DETAILS[fault.status]!), retryAfter);
    }
    const found = request.method === 'GET' ? entities.find((e) => e.path.toLowerCase() === path.toLowerCase()) : undefined;
    if (!found) return answer(200, emptyFeed(`${base}/${path}?api-version=${API_VERSION}`));
    answer(200, entry(base, found, countDetails(fault ? fault.active : String(found.activeMessageCount))));
  });
  const host = `127.0.0.1:${server.port}`;
  base = `https://${host}`;
  return {
    host,
    connectionString: `Endpoint=sb://${host}/;SharedAccessKeyName=${KEY_NAME};SharedAccessKey=${KEY}`,
    entities,
    requests,
    inject: (fault, times = 1) => faults.push(...Array.from({ length: times }, () => fault)),
    stop: server.close,
  };
}

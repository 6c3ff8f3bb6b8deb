// Which storage account a queue lives in, as far as the settings tell: from an account name, a
// connection string or a service URL. Account and queue names are compared as Azure compares
// them, in lower case. Connection strings hold keys: nothing here ever puts one in a message.
import { isIP } from 'node:net';
import { keyValuePairs } from '../../schema/index.js';

/** The Azurite / storage emulator account behind UseDevelopmentStorage=true. */
const DEVELOPMENT_ACCOUNT = 'devstoreaccount1';

/**
 * A storage connection string as key/value pairs (keys in lower case), or undefined when the
 * text is not one: pairs naming an account, development storage or a service endpoint.
 */
export function parseConnectionString(text: string): Map<string, string> | undefined {
  const pairs = keyValuePairs(text);
  if (!pairs) return undefined;
  const named = pairs.get('usedevelopmentstorage')?.toLowerCase() === 'true' || pairs.has('accountname') || ['queueendpoint', 'tableendpoint', 'blobendpoint'].some((k) => pairs.has(k));
  return named ? pairs : undefined;
}

/**
 * The account of a service URL: the first label of its host (acct.queue.core.windows.net), or
 * the first path segment of a path-style URL on an IP address or localhost (Azurite:
 * http://127.0.0.1:10001/devstoreaccount1).
 */
export function accountOfUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) || host === 'localhost') return parsed.pathname.split('/').find((s) => s !== '')?.toLowerCase();
  return host.split('.')[0]?.toLowerCase() || undefined;
}

/** The account a connection string's queues live in. */
export function accountOfConnectionString(text: string): string | undefined {
  const pairs = parseConnectionString(text);
  if (!pairs) return undefined;
  if (pairs.get('usedevelopmentstorage')?.toLowerCase() === 'true') return DEVELOPMENT_ACCOUNT;
  const name = pairs.get('accountname');
  if (name) return name.toLowerCase();
  const endpoint = pairs.get('queueendpoint');
  return endpoint ? accountOfUrl(endpoint) : undefined;
}

// Secrets out of every text that leaves the process: telemetry (App Insights, JSON lines) and
// what the functions log; a part of its own, since the identity remembers its tokens here and
// telemetry, the host and the command line redact through it. Error messages carry what services answered, and a
// gateway or a service may echo the request in its error body: the bearer token, a SharedKey
// signature, the URL with its SAS. Two nets: the secret values this process holds (tokens its
// credentials were given, keys and SAS in its settings, the identity endpoint's header), and
// the shapes of secrets (Bearer ..., a JWT, AccountKey=..., sig=...).
import { format } from 'node:util';
import { AzureLogger } from '@azure/logger';

const REDACTED = '[redacted]';
/** Tokens are refreshed about hourly; this keeps the last few of each kind without growing. */
const MAX_REMEMBERED = 256;
const remembered = new Set<string>();

/** Redacts `value` wherever it appears from now on (too short a value would redact noise). */
export function rememberSecret(value: string | undefined | null): void {
  if (!value || value.length < 8 || remembered.has(value)) return;
  remembered.add(value);
  if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.values().next().value!);
}

const CONNECTION_SECRET = /\b(AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)=([^;]+)/gi;

/** The secret parts of a connection string (its key, its SAS and the SAS's signature). */
export function rememberConnectionString(value: string | undefined): void {
  if (!value) return;
  for (const [, , secret] of value.matchAll(CONNECTION_SECRET)) {
    rememberSecret(secret);
    const sig = /(?:^|[?&])sig=([^&]+)/.exec(secret!)?.[1];
    if (sig) {
      rememberSecret(sig);
      rememberSecret(decodeURIComponent(sig));
    }
  }
}

/** Settings that hold secrets: connection strings with a key or SAS, and the identity endpoint's header. */
export function rememberSettingsSecrets(settings: Record<string, string | undefined>): void {
  for (const value of Object.values(settings)) rememberConnectionString(value);
  rememberSecret(settings.IDENTITY_HEADER ?? process.env.IDENTITY_HEADER);
  rememberSecret(settings.MSI_SECRET ?? process.env.MSI_SECRET);
}

const SHAPES: [RegExp, string][] = [
  // Authorization header values: Bearer <token>, SharedKey <account>:<signature>, Basic <credentials>.
  [/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, `Bearer ${REDACTED}`],
  [/\b(SharedKey|SharedKeyLite)\s+([^\s:"']+):[A-Za-z0-9+/=]{8,}/gi, `$1 $2:${REDACTED}`],
  [/\bBasic\s+[A-Za-z0-9+/]{8,}={0,2}/g, `Basic ${REDACTED}`],
  // A JWT (header.payload[.signature]).
  [/\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}(\.[A-Za-z0-9_-]*)?/g, REDACTED],
  // Secrets in connection strings.
  [/\b(AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)=[^;\s"'\\]+/gi, `$1=${REDACTED}`],
  // A SAS signature in a URL or a SAS token.
  [/\b(sig)=[^&\s"'\\;]+/gi, `$1=${REDACTED}`],
  // The managed identity endpoint's header secret, by name.
  [/\b(x-identity-header|x-ms-identity-header)(["']?\s*[:=]\s*["']?)[^\s"',;&\\]+/gi, `$1$2${REDACTED}`],
];

/** `text` with every remembered secret value and every secret-shaped string replaced by [redacted]. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of remembered) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const [shape, replacement] of SHAPES) out = out.replace(shape, replacement);
  return out;
}

/** An Error to report or rethrow in place of `e`: the same name, its message and stack redacted. */
export function redactedError(e: unknown): Error {
  const original = e instanceof Error ? e : new Error(String(e));
  const safe = new Error(redactSecrets(original.message));
  safe.name = original.name;
  safe.stack = original.stack === undefined ? undefined : redactSecrets(original.stack);
  return safe;
}

let sdkLogsRedacted = false;

/**
 * The Azure SDKs' own diagnostic log (AZURE_LOG_LEVEL, to stderr) goes through the same
 * redaction: the SDKs sanitize headers and query strings, but not what a service answered, e.g.
 * an identity endpoint's error_description. AzureLogger.log is the documented hook.
 */
export function redactAzureSdkLogs(): void {
  if (sdkLogsRedacted) return;
  sdkLogsRedacted = true;
  const write = AzureLogger.log.bind(AzureLogger);
  AzureLogger.log = (...args: unknown[]) => write(redactSecrets(format(...args)));
}

/** `value` with every string in it, at any depth, redacted. */
export function redactTexts<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map(redactTexts) as T;
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactTexts(v)])) as T;
  return value;
}

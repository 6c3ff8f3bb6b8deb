// The azure-servicebus trigger's metadata, declared as KEDA declares it (azure_servicebus_scaler.go
// tags and Validate): queueName, or topicName + subscriptionName; messageCount 5;
// activationMessageCount 0; namespace + cloud / endpointSuffix; useRegex and operation (sum, max,
// avg). Numbers may be strings, as in a ScaledObject. Ours: identityClientId, and the
// local-development keys connectionFromEnv and fullyQualifiedNamespace. useRegex true is refused:
// the scaler reads one entity per trigger, and grants its role on that entity alone.
import { z } from 'zod';
import { parseBool } from '../../engine/index.js';
import { checked, clientId, fields, integer, isHostSuffix, isRecord, keyValuePairs, oneOf, show, text, type CheckIssue, type Settings } from '../../schema/index.js';
import { checkCloud } from '../azure-cloud.js';

/**
 * Service Bus endpoint suffixes of the named clouds (KEDA's cloud_config.go environments), less
 * AzureGermanCloud, refused as for azure-queue (docs/configuration.md, "Differences from KEDA").
 */
const CLOUD_SUFFIXES: Readonly<Record<string, string>> = {
  azurepubliccloud: 'servicebus.windows.net',
  azurecloud: 'servicebus.windows.net',
  azureusgovernmentcloud: 'servicebus.usgovcloudapi.net',
  azureusgovernment: 'servicebus.usgovcloudapi.net',
  azurechinacloud: 'servicebus.chinacloudapi.cn',
};

// Azure's naming rules for Service Bus. Queue and topic names may also hold '/' in Azure; refused
// here: the deployment grants the read role on the entity through Azure Resource Manager, whose
// resource ids cannot name such an entity, and a name with '/' could step to another entity's path.
const ENTITY_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,258}[a-z0-9])?$/i;
const SUBSCRIPTION_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,48}[a-z0-9])?$/i;
const NAMESPACE_NAME = /^[a-z][a-z0-9-]{4,48}[a-z0-9]$/i;

const entityName = (what: string) =>
  text.regex(ENTITY_NAME, { error: (i) => `${show(i.input)} is not a Service Bus ${what} name (1-260 letters, digits, '.', '-' and '_', starting and ending with a letter or digit; '/' is not supported)` });

export const queueNameSchema = entityName('queue');
const subscriptionNameSchema = text.regex(SUBSCRIPTION_NAME, {
  error: (i) => `${show(i.input)} is not a Service Bus subscription name (1-50 letters, digits, '.', '-' and '_', starting and ending with a letter or digit)`,
});
const namespaceSchema = text.regex(NAMESPACE_NAME, {
  error: (i) => `${show(i.input)} is not a Service Bus namespace name (6-50 letters, digits and hyphens, starting with a letter and ending with a letter or digit; the name, not its host name)`,
});

/** KEDA reads useRegex with Go's strconv.ParseBool. */
const goBool = z.unknown().transform((raw, ctx) => {
  const parsed = typeof raw === 'boolean' ? raw : typeof raw === 'string' ? parseBool(raw) : undefined;
  if (parsed === undefined) {
    ctx.addIssue({ code: 'custom', message: `${show(raw)} is not a boolean (true or false)` });
    return z.NEVER;
  }
  return parsed;
});

const metadataFields = fields(
  {
    queueName: queueNameSchema.optional(),
    topicName: entityName('topic').optional(),
    subscriptionName: subscriptionNameSchema.optional(),
    namespace: namespaceSchema.optional(),
    messageCount: integer({ min: 1 }).default(5),
    activationMessageCount: integer({ min: 0 }).default(0),
    cloud: text.optional(),
    endpointSuffix: text.optional(),
    useRegex: goBool
      .refine((v) => !v, 'true is not supported: the scaler reads one queue or subscription per trigger (and grants its role on that one); list a trigger per entity, and combine them with advanced.scalingModifiers if one count is wanted')
      .optional(),
    // Only used with useRegex (KEDA's default sum): checked as KEDA checks it, then not used.
    operation: oneOf(['sum', 'max', 'avg'], ' (case-sensitive, as in KEDA)').optional(),
    /** Our extension: the client id of the user-assigned identity that reads this entity. */
    identityClientId: clientId.optional(),
    /** Local development only (SCALER_LOCAL_DEVELOPMENT): the app setting holding a connection string. */
    connectionFromEnv: text.optional(),
    /** Local development only (SCALER_LOCAL_DEVELOPMENT): the namespace's host[:port], e.g. for a local stand-in. */
    fullyQualifiedNamespace: text
      .refine((v) => isHostPort(v), { error: (i) => `${show(i.input)} is not a host name with an optional port (no scheme or path)` })
      .optional(),
    // The value is never echoed: it holds a key.
    connection: z
      .never({ error: 'is refused: a connection string in settings is a secret in plain text; use namespace with a managed identity (or connectionFromEnv for local development)' })
      .optional(),
  },
  'key',
);

/** host or host:port, nothing that could add a path or a query. */
function isHostPort(v: string): boolean {
  const m = /^([^:/?#@\s]+)(?::(\d{1,5}))?$/.exec(v);
  return m !== null && (isHostSuffix(m[1]!) || m[1] === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(m[1]!)) && (m[2] === undefined || Number(m[2]) <= 65535);
}

const given = (raw: Record<string, unknown>, key: string): boolean => raw[key] !== undefined;

/** KEDA's Validate (which entity) and parseAzureServiceBusMetadata (where), with its messages. */
function checkEntity(raw: Record<string, unknown>): CheckIssue[] {
  const issues: CheckIssue[] = [];
  if (given(raw, 'queueName')) {
    if (given(raw, 'topicName')) issues.push({ path: ['topicName'], message: 'is given with queueName: give a queueName, or a topicName and a subscriptionName (KEDA: "both topic and queue name metadata provided")' });
    if (given(raw, 'subscriptionName')) issues.push({ path: ['subscriptionName'], message: 'is given with queueName: a subscription belongs to a topic (KEDA: "subscription name provided with queue name")' });
  } else if (given(raw, 'topicName')) {
    if (!given(raw, 'subscriptionName')) issues.push({ path: ['subscriptionName'], message: 'is required with topicName: the subscription whose messages are counted (KEDA: "no subscription name provided with topic name")' });
  } else {
    issues.push({ path: ['queueName'], message: 'is required: give a queueName, or a topicName and a subscriptionName (KEDA: "no service bus entity type set")' });
  }
  if (!given(raw, 'namespace') && !given(raw, 'connectionFromEnv') && !given(raw, 'fullyQualifiedNamespace')) {
    issues.push({ path: ['namespace'], message: 'is required: the Service Bus namespace that holds the entity (KEDA: "namespace are required when using pod identity")' });
  }
  return [...issues, ...checkCloud(raw, CLOUD_SUFFIXES, 'servicebus.example.net')];
}

/** The path of a subscription under its topic, as the Service Bus REST API names it. */
export const subscriptionPath = (topicName: string, subscriptionName: string): string => `${topicName}/Subscriptions/${subscriptionName}`;

export const azureServiceBusMetadataSchema = z
  .preprocess(
    // KEDA counts an empty string as missing.
    (raw) => (isRecord(raw) ? Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== '')) : raw),
    checked(metadataFields, checkEntity),
  )
  .transform(({ connection: _connection, useRegex: _useRegex, operation: _operation, cloud, endpointSuffix, queueName, topicName, subscriptionName, ...m }) => {
    const entity = queueName !== undefined
      ? { kind: 'queue' as const, queueName }
      : { kind: 'subscription' as const, topicName: topicName!, subscriptionName: subscriptionName! };
    return {
      ...m,
      ...entity,
      /** The Service Bus host suffix, resolved from cloud / endpointSuffix. */
      endpointSuffix: cloud?.toLowerCase() === 'private' ? endpointSuffix!.trim() : CLOUD_SUFFIXES[cloud?.toLowerCase() ?? 'azurepubliccloud']!,
      /** What is read, as the REST API's path names it: the queue, or <topic>/Subscriptions/<subscription>. */
      entityPath: queueName ?? subscriptionPath(topicName!, subscriptionName!),
    };
  });

export type AzureServiceBusMetadata = z.output<typeof azureServiceBusMetadataSchema>;

/** Keys only for a developer's machine (SCALER_LOCAL_DEVELOPMENT): a connection string, an explicit endpoint. */
export const LOCAL_ONLY = ['connectionFromEnv', 'fullyQualifiedNamespace'] as const satisfies readonly (keyof AzureServiceBusMetadata)[];

/**
 * A Service Bus connection string as key/value pairs (keys in lower case), or undefined when the
 * text is not one: it must name its Endpoint (sb://<host>/).
 */
export function parseConnectionString(text: string): Map<string, string> | undefined {
  const pairs = keyValuePairs(text);
  return pairs?.get('endpoint') !== undefined && hostOfEndpoint(pairs.get('endpoint')!) !== undefined ? pairs : undefined;
}

/** The host (and port) of a connection string's Endpoint, as the SDK reads it: sb://host[:port]/. */
export function hostOfEndpoint(endpoint: string): string | undefined {
  return /^[a-z]+:\/\/([^/]+)\/?$/i.exec(endpoint.trim())?.[1]?.toLowerCase();
}

/**
 * The app setting connectionFromEnv names is read as a connection string: it must be one (never
 * repeated: it holds a key). Unset, the read fails and says so.
 */
export function checkSettings(m: AzureServiceBusMetadata, settings: Settings): CheckIssue[] {
  const setting = m.connectionFromEnv === undefined ? undefined : settings[m.connectionFromEnv]?.trim();
  if (!setting || parseConnectionString(setting)) return [];
  return [{ path: ['connectionFromEnv'], message: `app setting ${JSON.stringify(m.connectionFromEnv)} does not hold a Service Bus connection string (Endpoint=sb://<namespace>.servicebus.windows.net/;SharedAccessKeyName=...;SharedAccessKey=...)` }];
}

/** The namespace's host the entity is read at, e.g. shop.servicebus.windows.net, as far as the metadata tells. */
export const namespaceHost = (m: AzureServiceBusMetadata): string | undefined =>
  m.fullyQualifiedNamespace?.toLowerCase() ?? (m.namespace ? `${m.namespace}.${m.endpointSuffix}`.toLowerCase() : undefined);

// Least-privilege and no-secrets checks over the Bicep text. Each returns findings (empty: the
// check passes), so a test can run it on infra/ and on a bad snippet, to show it can fail.
import { blocks, lineOf, stripComments, type SourceFile } from './bicep-text.js';

/**
 * Built-in roles by id (the Azure built-in roles pages): every
 * GUID in the Bicep must be one of these, so a typo or an unnamed id cannot slip through.
 */
export const BUILT_IN_ROLES: Readonly<Record<string, string>> = {
  '19e7f393-937e-4f77-808e-94535e297925': 'Storage Queue Data Reader',
  '8a0f0c08-91a1-4084-bc3d-661d67233fed': 'Storage Queue Data Message Processor',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
  'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a': 'Storage Queue Data Message Sender',
  '090c5cfd-751d-490a-894a-3ce6f1109419': 'Azure Service Bus Data Owner',
  '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0': 'Azure Service Bus Data Receiver',
  '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39': 'Azure Service Bus Data Sender',
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
  '17d1049b-9a84-46fb-8f53-869881c3d3ab': 'Storage Account Contributor',
  '4abbcc35-e782-43d8-92c5-2d3f1bd2253f': 'Azure Kubernetes Service Cluster User Role',
  '0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8': 'Azure Kubernetes Service Cluster Admin Role',
  '7f6c6a51-bcf8-42ba-9220-52d62157d7db': 'Azure Kubernetes Service RBAC Reader',
  'a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb': 'Azure Kubernetes Service RBAC Writer',
  '3498e952-d568-435e-9b2c-8d77e338d7f7': 'Azure Kubernetes Service RBAC Admin',
  'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b': 'Azure Kubernetes Service RBAC Cluster Admin',
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
  'acdd72a7-3385-48ef-bd42-f606fba81ae7': 'Reader',
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  'f58310d9-a9f6-439a-9e8d-f62e7b41a168': 'Role Based Access Control Administrator',
};

/** What the two identities may be given: data-plane roles on single resources, and the AKS user role. */
export const ALLOWED_ROLES: ReadonlySet<string> = new Set([
  'Storage Queue Data Reader', // scaler: target queues
  // scaler: one Service Bus queue or topic subscription each. Its runtime properties (the active
  // message count) are a management read, authorized by the Manage claim, which of the built-in
  // roles only Data Owner carries; granted per entity, never on the namespace.
  'Azure Service Bus Data Owner',
  'Storage Queue Data Contributor', // host: wake queues and their -poison queues
  'Storage Queue Data Message Sender', // host: forward targets
  'Storage Blob Data Owner', // host: AzureWebJobsStorage, deployment container
  'Storage Table Data Contributor', // host: the state table
  'Monitoring Metrics Publisher', // host: telemetry
  'Azure Kubernetes Service Cluster User Role', // scaler: cluster server URL and CA
]);

/** Never: they can change roles, read account keys, read Secrets or run pods as anyone. */
export const FORBIDDEN_ROLES: ReadonlySet<string> = new Set([
  'Owner',
  'Contributor',
  'User Access Administrator',
  'Role Based Access Control Administrator',
  'Storage Account Contributor',
  'Azure Kubernetes Service RBAC Writer',
  'Azure Kubernetes Service RBAC Admin',
  'Azure Kubernetes Service RBAC Cluster Admin',
  'Azure Kubernetes Service Cluster Admin Role',
]);

/** The data actions a custom AKS role may hold: read a workload, and write it (a /scale write is checked as <kind>/write). */
export const ALLOWED_AKS_DATA_ACTIONS: ReadonlySet<string> = new Set([
  'Microsoft.ContainerService/managedClusters/apps/deployments/read',
  'Microsoft.ContainerService/managedClusters/apps/deployments/write',
  'Microsoft.ContainerService/managedClusters/apps/statefulsets/read',
  'Microsoft.ContainerService/managedClusters/apps/statefulsets/write',
]);

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Every GUID is a known, allowed built-in role, declared as a var named in a comment. */
export function checkRoleIds(files: SourceFile[]): string[] {
  const findings: string[] = [];
  for (const file of files.filter((f) => f.path.endsWith('.bicep'))) {
    const code = stripComments(file.text);
    const lines = file.text.split('\n');
    for (const m of code.matchAll(GUID)) {
      const guid = m[0].toLowerCase();
      const line = lineOf(code, m.index);
      const where = `${file.path}:${line}`;
      const name = BUILT_IN_ROLES[guid];
      if (!name) {
        findings.push(`${where}: ${m[0]} is not a known built-in role id (every GUID in the Bicep must be one)`);
        continue;
      }
      if (!ALLOWED_ROLES.has(name)) findings.push(`${where}: ${m[0]} is ${name}, which is not on the allowed list`);
      const declared = new RegExp(`^\\s*var\\s+\\w+\\s*=\\s*'${m[0]}'\\s*//\\s*(.+?)\\s*$`).exec(lines[line - 1] ?? '');
      if (declared?.[1] !== name) findings.push(`${where}: ${m[0]} must be a var with its role name in a comment: // ${name}`);
    }
  }
  return findings;
}

/** The text of the call `fn(...)` starting at `body.indexOf(fn + '(')`, or undefined. */
function callText(body: string, start: number): string | undefined {
  let depth = 0;
  for (let i = body.indexOf('(', start); i < body.length; i++) {
    if (body[i] === '(') depth++;
    else if (body[i] === ')' && --depth === 0) return body.slice(start, i + 1);
  }
  return undefined;
}

const topLevelArgs = (call: string): number => {
  let depth = 0;
  let args = 1;
  for (const c of call.slice(call.indexOf('(') + 1, -1)) {
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) args++;
  }
  return args;
};

/**
 * Every role assignment: named guid(scope, principal, role), principalType ServicePrincipal
 * (no replication failure for a new identity), its own narrow scope (never the deployment's
 * resource group or subscription) and a role by id. No AVM module assigns roles on its own.
 */
export function checkRoleAssignments(files: SourceFile[]): string[] {
  const findings: string[] = [];
  for (const file of files.filter((f) => f.path.endsWith('.bicep'))) {
    for (const b of blocks(file)) {
      const where = `${b.file}:${b.line} ${b.symbol}`;
      if (b.kind === 'module' && /^\s*roleAssignments\s*:/m.test(b.body)) {
        findings.push(`${where}: passes roleAssignments to a module; assign roles in infra/app/ where these checks see them`);
      }
      if (!b.type.startsWith('Microsoft.Authorization/roleAssignments@') || b.existing) continue;
      const name = /^\s*name:\s*(guid\()/m.exec(b.body);
      const guidCall = name ? callText(b.body, name.index + name[0].length - 'guid('.length) : undefined;
      if (!guidCall) findings.push(`${where}: name must be guid(scope, principal, role)`);
      else if (topLevelArgs(guidCall) < 3) findings.push(`${where}: name ${guidCall} must be guid(scope, principal, role)`);
      if (!/^\s*principalType:\s*'ServicePrincipal'\s*$/m.test(b.body)) findings.push(`${where}: principalType must be 'ServicePrincipal'`);
      const scope = /^\s*scope:\s*(.+?)\s*$/m.exec(b.body);
      if (!scope) findings.push(`${where}: needs a scope (without one it applies to the whole resource group)`);
      else if (/^(resourceGroup|subscription|managementGroup|tenant)\(/.test(scope[1]!)) findings.push(`${where}: scope ${scope[1]} is too broad`);
      if (!/^\s*roleDefinitionId:\s*subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions',/m.test(b.body)) {
        findings.push(`${where}: roleDefinitionId must be subscriptionResourceId('Microsoft.Authorization/roleDefinitions', <role id>)`);
      }
    }
  }
  return findings;
}

/** Custom roles: no control-plane actions, only the allowed AKS data actions, assignable in one cluster. */
export function checkCustomRoles(files: SourceFile[]): string[] {
  const findings: string[] = [];
  for (const file of files.filter((f) => f.path.endsWith('.bicep'))) {
    for (const b of blocks(file)) {
      if (!b.type.startsWith('Microsoft.Authorization/roleDefinitions@') || b.existing) continue;
      const where = `${b.file}:${b.line} ${b.symbol}`;
      const list = (key: string): string[] | undefined => {
        const m = new RegExp(`^\\s*${key}:\\s*\\[([^\\]]*)\\]`, 'm').exec(b.body);
        return m ? [...m[1]!.matchAll(/'([^']*)'|([^\s']+)/g)].map((x) => x[1] ?? x[2]!) : undefined;
      };
      const actions = list('actions');
      if (!actions || actions.length > 0) findings.push(`${where}: actions must be [] (data actions only)`);
      const dataActions = list('dataActions') ?? [];
      if (dataActions.length === 0) findings.push(`${where}: no dataActions`);
      for (const a of dataActions) if (!ALLOWED_AKS_DATA_ACTIONS.has(a)) findings.push(`${where}: data action ${a} is not allowed`);
      const scopes = list('assignableScopes');
      if (!scopes || scopes.length !== 1 || !/^\w+\.id$/.test(scopes[0]!) || /subscription|resourceGroup/.test(scopes[0]!)) {
        findings.push(`${where}: assignableScopes must be the one cluster ([cluster.id])`);
      }
    }
  }
  return findings;
}

const SECRET_PATTERNS: [RegExp, string][] = [
  [/\blist(Keys|AccountSas|ServiceSas|ConnectionStrings|Secrets)\s*\(/i, 'reads keys or SAS'],
  [/\.list(Keys|AccountSas|ServiceSas)\b/i, 'reads keys or SAS'],
  [/AccountKey\s*=/i, 'an account key'],
  [/SharedAccessSignature|[?&]sig=|\bsasToken\b/i, 'a SAS'],
  [/DefaultEndpointsProtocol|UseDevelopmentStorage/i, 'a storage connection string'],
  [/--connection-string|show-connection-string|\bkeys list\b|--account-key/i, 'a key or connection string on the command line'],
];

/** App Insights' connection string names the resource (no secret); the only one allowed, as this setting. */
const APP_INSIGHTS_SETTING = /^\s*APPLICATIONINSIGHTS_CONNECTION_STRING:\s*\w+\.properties\.ConnectionString\s*$/;

/**
 * No account keys, SAS or connection strings: in Bicep code (comments may explain why not), and
 * in the other deployment files. `prose` files (docs) may say "connection string" in words.
 */
export function checkNoSecrets(files: SourceFile[], options: { prose?: boolean } = {}): string[] {
  const findings: string[] = [];
  for (const file of files) {
    const text = file.path.endsWith('.bicep') || file.path.endsWith('.bicepparam') ? stripComments(file.text) : file.text;
    text.split('\n').forEach((line, i) => {
      const where = `${file.path}:${i + 1}`;
      for (const [pattern, what] of SECRET_PATTERNS) if (pattern.test(line)) findings.push(`${where}: ${what}: ${line.trim()}`);
      if (!options.prose && /connection_?strings?/i.test(line) && !APP_INSIGHTS_SETTING.test(line)) {
        findings.push(`${where}: a connection string: ${line.trim()}`);
      }
    });
  }
  return findings;
}

const HOST_STORAGE_KEYS = new Set(['accountName', 'blobServiceUri', 'queueServiceUri', 'tableServiceUri', 'credential', 'clientId']);
/** Settings that Flex Consumption rejects, or that carry a storage key. */
const FORBIDDEN_SETTINGS = new Set([
  'AzureWebJobsStorage',
  'AzureWebJobsDashboard',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
]);

/**
 * Storage connections are identity-based: AzureWebJobsStorage and every other `<prefix>__...`
 * connection says credential managedidentity and names its identity (clientId), and none holds a
 * connection string. `settings` are [name, Bicep expression] pairs.
 */
export function checkIdentityBasedStorage(settings: [name: string, expression: string][]): string[] {
  const findings: string[] = [];
  const connections = new Map<string, Map<string, string>>();
  for (const [name, expression] of settings) {
    if (FORBIDDEN_SETTINGS.has(name)) findings.push(`${name}: not allowed (a storage key, or rejected by Flex Consumption)`);
    const m = /^(.+?)__(\w+)$/.exec(name);
    if (!m || name.startsWith('APPLICATIONINSIGHTS')) continue;
    const [, prefix, key] = m as unknown as [string, string, string];
    if (!connections.has(prefix)) connections.set(prefix, new Map());
    connections.get(prefix)!.set(key, expression);
  }
  if (!connections.has('AzureWebJobsStorage')) findings.push('AzureWebJobsStorage: no identity-based settings (AzureWebJobsStorage__...)');
  for (const [prefix, keys] of connections) {
    if (prefix === 'AzureWebJobsStorage') {
      for (const key of keys.keys()) if (!HOST_STORAGE_KEYS.has(key)) findings.push(`${prefix}__${key}: not an identity-based host storage setting`);
    }
    if (keys.has('connectionString')) findings.push(`${prefix}__connectionString: a connection string`);
    if (keys.get('credential') !== "'managedidentity'") findings.push(`${prefix}: __credential must be 'managedidentity'`);
    if (!keys.has('clientId')) findings.push(`${prefix}: __clientId must name the user-assigned identity`);
    if (![...keys.keys()].some((k) => /ServiceUri$|^accountName$/.test(k))) findings.push(`${prefix}: needs a service URI or accountName`);
  }
  return findings;
}

/** App Insights has local auth off and storage refuses shared keys, wherever one is created. */
export function checkLocalAuthOff(files: SourceFile[]): string[] {
  const findings: string[] = [];
  const rules = [
    { what: 'Application Insights', matches: /^(Microsoft\.Insights\/components@|br\/public:avm\/res\/insights\/component:)/i, needs: /^\s*disableLocalAuth:\s*true\b/m, setting: 'disableLocalAuth: true' },
    { what: 'storage account', matches: /^(Microsoft\.Storage\/storageAccounts@|br\/public:avm\/res\/storage\/storage-account:)/i, needs: /^\s*allowSharedKeyAccess:\s*false\b/m, setting: 'allowSharedKeyAccess: false' },
  ];
  const created = new Map(rules.map((r) => [r.what, 0]));
  for (const file of files.filter((f) => f.path.endsWith('.bicep'))) {
    for (const b of blocks(file)) {
      const rule = rules.find((r) => r.matches.test(b.type));
      if (!rule || b.existing) continue;
      created.set(rule.what, created.get(rule.what)! + 1);
      if (!rule.needs.test(b.body)) findings.push(`${b.file}:${b.line} ${b.symbol}: ${rule.what} without ${rule.setting}`);
    }
  }
  for (const [what, count] of created) if (count === 0) findings.push(`no ${what} is created`);
  return findings;
}

// Static checks over infra/: no Bicep compiler runs offline, so these read what is written.
// Every check also runs on a small bad snippet, to show that it can fail.
import { describe, expect, test } from 'vitest';
import { blocks, entries, readInfraFiles, readRepoFile, stripComments, triggerTypesFile, varExpression, type SourceFile } from './bicep-text.js';
import {
  ALLOWED_ROLES, BUILT_IN_ROLES, FORBIDDEN_ROLES, checkCustomRoles, checkIdentityBasedStorage, checkLocalAuthOff,
  checkNoSecrets, checkRoleAssignments, checkRoleIds,
} from './checks.js';

const bicep = readInfraFiles();
const main = readRepoFile('infra/main.bicep');
const api = readRepoFile('infra/app/api.bicep');
const snippet = (text: string, path = 'infra/app/bad.bicep'): SourceFile[] => [{ path, text }];

/** The app settings api.bicep writes: the entries of its *Settings vars. */
function appSettings(): [string, string][] {
  const names = [...api.text.matchAll(/^var\s+(\w+Settings)\s*=/gm)].map((m) => m[1]!);
  return names.flatMap((name) => entries(varExpression(api, name)));
}

describe('role ids', () => {
  test('the forbidden roles are known and never allowed', () => {
    const known = new Set(Object.values(BUILT_IN_ROLES));
    for (const role of [...ALLOWED_ROLES, ...FORBIDDEN_ROLES]) expect(known, role).toContain(role);
    expect([...FORBIDDEN_ROLES].filter((r) => ALLOWED_ROLES.has(r))).toEqual([]);
    // Owner, Contributor, User Access Administrator, Storage Account Contributor, AKS RBAC Writer/Admin.
    for (const id of ['8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'b24988ac-6180-42a0-ab88-20f7382dd24c', '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', '17d1049b-9a84-46fb-8f53-869881c3d3ab', 'a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb', '3498e952-d568-435e-9b2c-8d77e338d7f7']) {
      expect(FORBIDDEN_ROLES).toContain(BUILT_IN_ROLES[id]);
    }
  });

  test('every GUID in infra/ is an allowed built-in role, a named var with its name in a comment', () => {
    expect(checkRoleIds(bicep)).toEqual([]);
    // The roles the design needs are all there: each declared once per file that uses it, or
    // (the trigger types' roles) in infra/trigger-types.json, checked in trigger-types.test.ts.
    const triggerRoles = Object.values(triggerTypesFile().triggerTypes).flatMap((t) => [t.read, t.send].flatMap((role) => (role ? [role.name] : [])));
    const used = new Set([...bicep.flatMap((f) => [...f.text.matchAll(/^var \w+ = '([0-9a-f-]{36})'/gm)].map((m) => BUILT_IN_ROLES[m[1]!])), ...triggerRoles]);
    expect(used).toEqual(ALLOWED_ROLES);
  });

  test.each([
    ['Owner', "var owner = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635' // Owner", 'is Owner, which is not on the allowed list'],
    ['Contributor', "var c = 'b24988ac-6180-42a0-ab88-20f7382dd24c' // Contributor", 'is Contributor, which is not on the allowed list'],
    ['User Access Administrator', "var uaa = '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9' // User Access Administrator", 'is User Access Administrator'],
    ['Storage Account Contributor', "var sac = '17d1049b-9a84-46fb-8f53-869881c3d3ab' // Storage Account Contributor", 'is Storage Account Contributor'],
    ['AKS RBAC Writer', "var w = 'a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb' // Azure Kubernetes Service RBAC Writer", 'is Azure Kubernetes Service RBAC Writer'],
    ['AKS RBAC Admin', "var a = '3498e952-d568-435e-9b2c-8d77e338d7f7' // Azure Kubernetes Service RBAC Admin", 'is Azure Kubernetes Service RBAC Admin'],
    ['AKS RBAC Cluster Admin', "var a = 'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b' // Azure Kubernetes Service RBAC Cluster Admin", 'is Azure Kubernetes Service RBAC Cluster Admin'],
    ['an unknown GUID', "var r = '11111111-2222-3333-4444-555555555555' // Mystery", 'is not a known built-in role id'],
    ['an allowed role without its name', "var r = '19e7f393-937e-4f77-808e-94535e297925'", 'must be a var with its role name in a comment: // Storage Queue Data Reader'],
    ['an allowed role under a wrong name', "var r = '19e7f393-937e-4f77-808e-94535e297925' // Storage Queue Data Contributor", 'must be a var with its role name'],
    ['a role id inline', "  roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '19e7f393-937e-4f77-808e-94535e297925')", 'must be a var'],
  ])('fails on %s', (_, text, finding) => {
    expect(checkRoleIds(snippet(text)).join('\n')).toContain(finding);
  });

  test('a GUID in a comment is not a role grant', () => {
    expect(checkRoleIds(snippet("// Owner is 8e3af657-a8ff-443c-a75c-2fe8c4bcb635: never granted\nvar x = 'https://a//b'"))).toEqual([]);
  });
});

describe('role assignments', () => {
  test('every one has a guid(scope, principal, role) name, principalType, a narrow scope and a role by id', () => {
    expect(checkRoleAssignments(bicep)).toEqual([]);
    const assignments = bicep.flatMap((f) => blocks(f)).filter((b) => b.type.startsWith('Microsoft.Authorization/roleAssignments@'));
    // host: blob, table, metrics publisher; queues: one per access; AKS: cluster user, two namespace roles.
    // Each at the narrowest scope: the scope, and the resource type that scope symbol refers to.
    const scopeOf = (b: (typeof assignments)[number]): string => {
      const symbol = /^\s*scope:\s*(\w+)/m.exec(b.body)![1]!;
      const target = bicep.filter((f) => f.path === b.file).flatMap(blocks).find((x) => x.symbol === symbol)!;
      return `${b.file} ${b.symbol} -> ${target.type.split('@')[0]}${target.existing ? ' (existing)' : ''}`;
    };
    expect(assignments.map(scopeOf)).toEqual([
      'infra/app/aks-access.bicep clusterUser -> Microsoft.ContainerService/managedClusters (existing)',
      'infra/app/aks-access.bicep deploymentScalerAssignments -> Microsoft.ContainerService/managedClusters/namespaces (existing)',
      'infra/app/aks-access.bicep statefulSetScalerAssignments -> Microsoft.ContainerService/managedClusters/namespaces (existing)',
      'infra/app/queue-access.bicep queueRoles -> Microsoft.Storage/storageAccounts/queueServices/queues (existing)',
      'infra/app/rbac.bicep blobDataOwner -> Microsoft.Storage/storageAccounts (existing)',
      'infra/app/rbac.bicep tableDataContributor -> Microsoft.Storage/storageAccounts (existing)',
      'infra/app/rbac.bicep metricsPublisher -> Microsoft.Insights/components (existing)',
      'infra/app/servicebus-access.bicep queueRoles -> Microsoft.ServiceBus/namespaces/queues (existing)',
      'infra/app/servicebus-access.bicep subscriptionRoles -> Microsoft.ServiceBus/namespaces/topics/subscriptions (existing)',
      'infra/app/wake-queues.bicep queueConsumers -> Microsoft.Storage/storageAccounts/queueServices/queues',
    ]);
  });

  const assignment = (lines: string): string => `resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n${lines}\n}`;
  const good = {
    name: '  name: guid(queue.id, principalId, roleId)',
    scope: '  scope: queue',
    properties: "  properties: {\n    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)\n    principalId: principalId\n    principalType: 'ServicePrincipal'\n  }",
  };
  test('a well-formed assignment passes (so the failures below are about their one defect)', () => {
    expect(checkRoleAssignments(snippet(assignment(Object.values(good).join('\n'))))).toEqual([]);
  });
  test.each([
    ['a fixed name', { ...good, name: "  name: 'reader'" }, 'name must be guid(scope, principal, role)'],
    ['a guid of two parts', { ...good, name: '  name: guid(queue.id, principalId)' }, 'must be guid(scope, principal, role)'],
    ['no principalType', { ...good, properties: good.properties.replace("    principalType: 'ServicePrincipal'\n", '') }, "principalType must be 'ServicePrincipal'"],
    ['principalType User', { ...good, properties: good.properties.replace("'ServicePrincipal'", "'User'") }, "principalType must be 'ServicePrincipal'"],
    ['no scope (the whole resource group)', { ...good, scope: '' }, 'needs a scope'],
    ['the resource group as scope', { ...good, scope: '  scope: resourceGroup()' }, 'is too broad'],
    ['a role by name', { ...good, properties: good.properties.replace("subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)", "'Reader'") }, 'roleDefinitionId must be'],
  ])('fails on %s', (_, parts, finding) => {
    expect(checkRoleAssignments(snippet(assignment(Object.values(parts).join('\n')))).join('\n')).toContain(finding);
  });
  test('fails on an AVM module assigning roles itself', () => {
    const text = "module st 'br/public:avm/res/storage/storage-account:0.8.3' = {\n  params: {\n    roleAssignments: [{ principalId: p, roleDefinitionIdOrName: 'Owner' }]\n  }\n}";
    expect(checkRoleAssignments(snippet(text)).join('\n')).toContain('passes roleAssignments to a module');
  });

  test('the scaler identity gets queue reads and cluster access only; the host everything else', () => {
    const mods = blocks(main).filter((b) => b.kind === 'module');
    const grantee = (b: { body: string }): string => /principalId:\s*(\w+)\.outputs\.principalId/.exec(b.body)?.[1] ?? /hostPrincipalId:\s*(\w+)\./.exec(b.body)?.[1] ?? '';
    const grants = mods
      .filter((b) => ['app/queue-access.bicep', 'app/wake-queues.bicep', 'app/aks-access.bicep', 'app/rbac.bicep'].includes(b.type))
      .map((b) => `${b.type} ${/access:\s*'(\w+)'/.exec(b.body)?.[1] ?? ''} -> ${grantee(b)}`.replace('  ', ' '));
    expect(grants.sort()).toEqual([
      'app/aks-access.bicep -> scalerIdentity',
      'app/queue-access.bicep read -> scalerIdentity',
      'app/queue-access.bicep send -> hostIdentity',
      'app/rbac.bicep -> hostIdentity',
      'app/wake-queues.bicep -> hostIdentity',
      'app/wake-queues.bicep -> hostIdentity', // the shard queue (fan-out)
    ]);
    // Target and forward queues are referenced where they are, never created; wake queues are
    // created with their poison queue, and granted on the queue that template creates: no
    // template both creates a queue and references it as `existing`.
    const access = readRepoFile('infra/app/queue-access.bicep');
    expect(blocks(access).filter((b) => b.type.startsWith('Microsoft.Storage/')).map((b) => `${b.symbol}${b.existing ? ' existing' : ''}`)).toEqual(['storageAccount existing', 'queueService existing', 'queues existing']);
    const wake = readRepoFile('infra/app/wake-queues.bicep');
    expect(blocks(wake).filter((b) => b.type.startsWith('Microsoft.Storage/')).map((b) => `${b.symbol}${b.existing ? ' existing' : ''}`)).toEqual(['storageAccount existing', 'queueService existing', 'queues']);
    expect(varExpression(wake, 'allQueueNames')).toBe("flatten(map(queueNames, q => [q, '${q}-poison']))");
    expect(blocks(wake).find((b) => b.symbol === 'queues')!.body).toMatch(/^\s*name: queueName$/m);
  });

  test('no template declares a resource type both created and `existing` (ARM refuses one resource declared twice in the languageVersion 2.0 templates that user-defined types compile to)', () => {
    for (const file of bicep) {
      const declared = blocks(file).filter((b) => b.kind === 'resource');
      const created = new Set(declared.filter((b) => !b.existing).map((b) => b.type));
      for (const b of declared.filter((x) => x.existing)) expect(created, `${file.path}: ${b.symbol}`).not.toContain(b.type);
    }
  });
});

describe('custom AKS roles', () => {
  test('hold only deployments or statefulsets read/write, assignable in one cluster, assigned per namespace', () => {
    expect(checkCustomRoles(bicep)).toEqual([]);
    const aks = readRepoFile('infra/app/aks-access.bicep');
    const defs = blocks(aks).filter((b) => b.type.startsWith('Microsoft.Authorization/roleDefinitions@'));
    expect(defs.map((d) => d.symbol)).toEqual(['deploymentScaler', 'statefulSetScaler']);
    for (const b of blocks(aks).filter((x) => x.symbol.endsWith('ScalerAssignments'))) {
      expect(b.body).toMatch(/scope: namespaceScopes\[i\]/);
    }
    // One `existing` namespace per namespace, whatever kinds its targets scale.
    expect(blocks(aks).filter((b) => b.type.startsWith('Microsoft.ContainerService/managedClusters/namespaces@')).map((b) => b.symbol)).toEqual(['namespaceScopes']);
    expect(aks.text).toMatch(/'Microsoft\.ContainerService\/managedClusters\/namespaces@[^']+' existing/);
  });

  const definition = (dataActions: string, actions = '[]', scopes = '[cluster.id]'): string =>
    `resource r 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {\n  properties: {\n    permissions: [\n      {\n        actions: ${actions}\n        dataActions: [${dataActions}]\n      }\n    ]\n    assignableScopes: ${scopes}\n  }\n}`;
  const readWrite = "'Microsoft.ContainerService/managedClusters/apps/deployments/read', 'Microsoft.ContainerService/managedClusters/apps/deployments/write'";
  test.each([
    ['reading Secrets', `${readWrite}, 'Microsoft.ContainerService/managedClusters/secrets/read'`, undefined, undefined, 'secrets/read is not allowed'],
    ['everything on deployments', "'Microsoft.ContainerService/managedClusters/apps/deployments/*'", undefined, undefined, 'deployments/* is not allowed'],
    ['control-plane actions', readWrite, "['Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action']", undefined, 'actions must be []'],
    ['a subscription-wide scope', readWrite, undefined, '[subscription().id]', 'assignableScopes must be the one cluster'],
  ])('fails on %s', (_, dataActions, actions, scopes, finding) => {
    expect(checkCustomRoles(snippet(definition(dataActions, actions, scopes))).join('\n')).toContain(finding);
  });
});

describe('no keys, SAS or connection strings', () => {
  const deployment = [
    ...bicep,
    ...readInfraFiles(['.json', '.kql', '.yaml']),
    readRepoFile('azure.yaml'),
  ];
  test('in infra/ and azure.yaml', () => {
    expect(deployment.map((f) => f.path)).toContain('infra/workbook.json');
    expect(checkNoSecrets(deployment)).toEqual([]);
  });
  test('in docs/deploy.md', () => {
    expect(checkNoSecrets([readRepoFile('docs/deploy.md')], { prose: true })).toEqual([]);
  });
  test.each([
    ['listKeys', "var key = storage.listKeys().keys[0].value"],
    ['listKeys()', "var key = listKeys(storage.id, '2023-05-01').keys[0].value"],
    ['an account key', "  AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=${name};AccountKey=${key}'"],
    ['a SAS', "var url = '${blob}?sv=2022-11-02&sig=abc'"],
    ['listAccountSas', 'var sas = storage.listAccountSas(params).accountSasToken'],
    ['a connection string setting', '  WAKE__connectionString: wakeConnection'],
    ['App Insights connection string under another name', '  OTHER_CONNECTION_STRING: applicationInsights.properties.ConnectionString'],
    ['development storage', "  AzureWebJobsStorage: 'UseDevelopmentStorage=true'"],
  ])('fails on %s', (_, line) => {
    expect(checkNoSecrets(snippet(line))).not.toEqual([]);
  });
  test('fails on a key on the command line in the docs', () => {
    expect(checkNoSecrets(snippet('az storage account keys list -n st', 'docs/deploy.md'), { prose: true })).not.toEqual([]);
    expect(checkNoSecrets(snippet('az functionapp config appsettings set --settings "X=$(az storage account show-connection-string -n st)"', 'docs/deploy.md'), { prose: true })).not.toEqual([]);
  });
  test('a comment may say why there are none', () => {
    expect(checkNoSecrets(snippet('// no key, SAS or connection string anywhere'))).toEqual([]);
  });
});

describe('app settings', () => {
  test('storage connections are identity-based, and nothing Flex rejects is set', () => {
    const settings = appSettings();
    expect(settings.map(([k]) => k)).toEqual(expect.arrayContaining([
      'AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId',
      'SCALER_WAKE_${account}__queueServiceUri', 'SCALER_WAKE_${account}__credential', 'SCALER_WAKE_${account}__clientId',
    ]));
    expect(checkIdentityBasedStorage(settings)).toEqual([]);
    // Every *Settings map reaches the app.
    const written = blocks(api).find((b) => b.symbol === 'appSettings')!;
    for (const name of [...api.text.matchAll(/^var\s+(\w+Settings)\s*=/gm)].map((m) => m[1]!)) expect(written.body).toContain(name);
    for (const file of bicep) expect(stripComments(file.text), file.path).not.toMatch(/WEBSITE_RUN_FROM_PACKAGE|FUNCTIONS_WORKER_RUNTIME/);
  });

  const host: [string, string][] = [
    ['AzureWebJobsStorage__accountName', 'storageAccountName'],
    ['AzureWebJobsStorage__credential', "'managedidentity'"],
    ['AzureWebJobsStorage__clientId', 'hostIdentityClientId'],
  ];
  test('a well-formed set passes', () => {
    expect(checkIdentityBasedStorage(host)).toEqual([]);
  });
  test.each([
    ['a connection string for the host', [['AzureWebJobsStorage', 'connection'] as [string, string]], 'AzureWebJobsStorage: not allowed'],
    ['no host storage at all', [], 'no identity-based settings'],
    ['no credential', host.filter(([k]) => !k.endsWith('credential')), "__credential must be 'managedidentity'"],
    ['no clientId (the system identity, or none)', host.filter(([k]) => !k.endsWith('clientId')), '__clientId must name'],
    ['a wake connection without credential', [...host, ['SCALER_WAKE_x__queueServiceUri', "'https://x.queue.core.windows.net'"], ['SCALER_WAKE_x__clientId', 'id']] as [string, string][], "SCALER_WAKE_x: __credential must be 'managedidentity'"],
    ['a wake connection string', [...host, ['SCALER_WAKE_x__connectionString', 'c']] as [string, string][], 'a connection string'],
    ['WEBSITE_RUN_FROM_PACKAGE', [...host, ['WEBSITE_RUN_FROM_PACKAGE', "'1'"]] as [string, string][], 'WEBSITE_RUN_FROM_PACKAGE: not allowed'],
    ['FUNCTIONS_WORKER_RUNTIME', [...host, ['FUNCTIONS_WORKER_RUNTIME', "'node'"]] as [string, string][], 'FUNCTIONS_WORKER_RUNTIME: not allowed'],
  ])('fails on %s', (_, settings, finding) => {
    expect(checkIdentityBasedStorage(settings as [string, string][]).join('\n')).toContain(finding);
  });
});

describe('local authentication', () => {
  test('App Insights has local auth off and storage refuses shared keys', () => {
    expect(checkLocalAuthOff(bicep)).toEqual([]);
  });
  test.each([
    ['App Insights with local auth', "module m 'br/public:avm/res/insights/component:0.6.0' = {\n  params: {\n    disableLocalAuth: false\n  }\n}", 'Application Insights without disableLocalAuth: true'],
    ['App Insights as a resource, default auth', "resource ai 'Microsoft.Insights/components@2020-02-02' = {\n  properties: {}\n}", 'Application Insights without disableLocalAuth: true'],
    ['storage with shared keys', "module st 'br/public:avm/res/storage/storage-account:0.8.3' = {\n  params: {\n    allowSharedKeyAccess: true\n  }\n}", 'storage account without allowSharedKeyAccess: false'],
    ['storage as a resource, default keys', "resource st 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  properties: {}\n}", 'storage account without allowSharedKeyAccess: false'],
  ])('fails on %s', (_, text, finding) => {
    expect(checkLocalAuthOff(snippet(text)).join('\n')).toContain(finding);
  });
  test('an existing account elsewhere is referenced, not judged (it is not ours)', () => {
    const text = "resource st 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {\n  name: accountName\n}";
    expect(checkLocalAuthOff(snippet(text))).toEqual(['no Application Insights is created', 'no storage account is created']);
  });
});

describe('the function app', () => {
  const site = blocks(api).find((b) => b.type.startsWith('Microsoft.Web/sites@'))!;
  test('is a Linux FC1 app on Node 22, deployed from a blob container with the host identity', () => {
    expect(site.body).toMatch(/kind: 'functionapp,linux'/);
    expect(site.body).toMatch(/runtime: \{\s*name: 'node'\s*version: '22'\s*\}/);
    expect(site.body).toMatch(/type: 'blobContainer'[\s\S]*authentication: \{\s*type: 'UserAssignedIdentity'\s*userAssignedIdentityResourceId: hostIdentityId\s*\}/);
    const plan = blocks(main).find((b) => b.symbol === 'appServicePlan')!;
    expect(plan.body).toMatch(/name: 'FC1'\s*tier: 'FlexConsumption'/);
    expect(plan.body).toMatch(/reserved: true/);
    // Both identities are attached; each connection picks its own with a clientId.
    expect(site.body).toMatch(/'\$\{hostIdentityId\}': \{\}\s*'\$\{scalerIdentityId\}': \{\}/);
  });
  test('host storage has the deployment container and the state table', () => {
    const storage = blocks(main).find((b) => b.symbol === 'storage')!;
    expect(storage.body).toMatch(/containers: \[\{ name: deploymentContainerName \}\]/);
    expect(storage.body).toMatch(/tables: \[\{ name: stateTableName \}\]/);
  });
  test('two user-assigned identities, host and scaler', () => {
    const identities = blocks(main).filter((b) => b.type.startsWith('br/public:avm/res/managed-identity/user-assigned-identity:'));
    expect(identities.map((b) => b.symbol)).toEqual(['hostIdentity', 'scalerIdentity']);
  });
  test('modules are pinned, outputs are UPPER_SNAKE', () => {
    for (const b of bicep.flatMap(blocks).filter((x) => x.type.startsWith('br/'))) expect(b.type, b.symbol).toMatch(/:\d+\.\d+\.\d+$/);
    const outputs = [...main.text.matchAll(/^output (\w+)/gm)].map((m) => m[1]!);
    expect(outputs).toContain('SCALER_IDENTITY_PRINCIPAL_ID');
    expect(outputs).toContain('KUBERNETES_RBAC_COMMANDS');
    for (const o of outputs) expect(o).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });
});

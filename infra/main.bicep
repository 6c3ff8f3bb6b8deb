// aks-queue-scaler: the Functions app, its two identities and every role they need, nothing more.
//
// 1. A resource group with the app's own resources: host storage (shared keys off, the state
//    table, the deployment container), Log Analytics + Application Insights (local auth off),
//    an FC1 (Flex Consumption) plan and a Linux function app on Node 22.
// 2. Two user-assigned identities, as the KEDA identity write-up splits the scaler's identity
//    from the workload's:
//    - host: the Functions host's storage, the deployment container, telemetry, wake queues;
//    - scaler: reads the target queues and scales the workloads (AZURE_CLIENT_ID).
// 3. Role assignments at the narrowest scope, in the resource group (and subscription) of the
//    thing they grant: queues one by one (storage queues; Service Bus queues and topic
//    subscriptions), clusters one by one, namespaces one by one. Wake
//    queues (a target's wake field) are created with their -poison queue.
// The template does not read the targets: scalerTargets and scalerClusters are written to the
// SCALER_TARGETS / SCALER_CLUSTERS app settings as given, and what they need granted comes in
// plain lists (queueReads, queueSends, serviceBusReads, wakeQueues, clusters) that `aks-queue-scaler
// deploy-parameters` derives from that very text with the app's own configuration loader and
// writes, with the text, to infra/scaler.parameters.json (docs/deploy.md, step 1). What each
// trigger type's roles are comes from trigger-types.json, generated from the scaler's trigger
// registry (shared/sources/registry.ts). Bicep 0.21.1 or later (bicepconfig.json).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment (the azd environment name); with the subscription and location it seeds the resource names.')
param environmentName string

@minLength(1)
@description('Region of the resource group and of every resource in it; it must offer Flex Consumption.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

// Optional names; empty means abbreviation + resourceToken.
param resourceGroupName string = ''
param functionAppName string = ''
param storageAccountName string = ''
param hostIdentityName string = ''
param scalerIdentityName string = ''
param appServicePlanName string = ''
param applicationInsightsName string = ''
param logAnalyticsName string = ''

@description('SCALER_TARGETS, written to the app setting as given: JSON or YAML, flat targets or ScaledObject documents (docs/configuration.md). The template does not read it: queueReads, queueSends, wakeQueues and clusters are derived from it (aks-queue-scaler deploy-parameters).')
param scalerTargets string

@description('SCALER_CLUSTERS, written to the app setting as given: JSON or YAML, cluster name -> { "resourceId": "<AKS resource id>" }.')
param scalerClusters string

@description('Queues one identity is granted a trigger type\'s role on, in one storage account.')
type queueGrant = {
  @description('The trigger type whose role is granted (its read or send role in trigger-types.json).')
  triggerType: string
  @description('The storage account holding the queues: its resource group is in storageAccounts.')
  accountName: string
  @minLength(1)
  queueNames: string[]
}

@description('Wake queues in one storage account: each is created with its -poison queue and consumed by the host identity.')
type wakeQueueGrant = {
  @description('The storage account of the wake queues (in storageAccounts); empty: the app\'s own (AzureWebJobsStorage).')
  accountName: string
  @minLength(1)
  queueNames: string[]
}

@description('A namespace with targets, and the kinds of workload they scale there.')
type namespaceGrant = {
  name: string
  @minLength(1)
  kinds: ('Deployment' | 'StatefulSet')[]
}

@description('An AKS cluster with targets (a SCALER_CLUSTERS entry with a resourceId), and its namespaces with targets.')
type clusterGrant = {
  @description('The SCALER_CLUSTERS name (azureRbacClusters names it).')
  name: string
  subscriptionId: string
  resourceGroup: string
  clusterName: string
  @minLength(1)
  namespaces: namespaceGrant[]
}

@description('Every queue a trigger reads, per storage account and trigger type: the scaler identity gets the type\'s read role on each (aks-queue-scaler deploy-parameters).')
param queueReads queueGrant[]

@description('Every wake.forwardTo queue, per storage account and trigger type (of the target\'s first trigger): the host identity gets the type\'s send role on each (aks-queue-scaler deploy-parameters).')
param queueSends queueGrant[]

@description('Service Bus entities one identity is granted a trigger type\'s role on, in one namespace.')
type serviceBusGrant = {
  @description('The trigger type whose role is granted (its read role in trigger-types.json).')
  triggerType: string
  @description('The Service Bus namespace\'s name (not its host name): its resource group is in serviceBusNamespaces.')
  accountName: string
  @description('The entities, as the REST API names them: a queue, or <topic>/Subscriptions/<subscription>.')
  @minLength(1)
  queueNames: string[]
}

@description('Every Service Bus queue and topic subscription a trigger reads, per namespace and trigger type: the scaler identity gets the type\'s read role on each (aks-queue-scaler deploy-parameters).')
param serviceBusReads serviceBusGrant[] = []

@description('Every wake queue, per storage account (aks-queue-scaler deploy-parameters).')
param wakeQueues wakeQueueGrant[]

@description('Every AKS cluster with targets, with the namespaces and kinds of its targets (aks-queue-scaler deploy-parameters).')
param clusters clusterGrant[]

@description('Names from scalerClusters whose AKS cluster authorizes with Azure RBAC for Kubernetes: the scaler gets a custom role per namespace. The other clusters use Kubernetes RBAC: apply infra/kubernetes/rbac.yaml with the KUBERNETES_RBAC_COMMANDS output.')
param azureRbacClusters string[] = []

@description('Where each storage account named in queueReads, queueSends and wakeQueues lives: { "<accountName>": { "resourceGroup": "<name>", "subscriptionId": "<id, default this subscription>" } }.')
param storageAccounts object = {}

@description('Where each Service Bus namespace named in serviceBusReads lives: { "<namespace>": { "resourceGroup": "<name>", "subscriptionId": "<id, default this subscription>" } }.')
param serviceBusNamespaces object = {}

@description('SCALER_SCHEDULE: NCRONTAB with seconds.')
param scalerSchedule string = '*/15 * * * * *'

@description('SCALER_STATE_TABLE: the table in the host storage account that holds per-target state.')
param stateTableName string = 'scalerstate'

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('SCALER_SHARD_SIZE (docs/configuration.md, "Fan-out"): empty, every tick is evaluated by the timer itself; a number (50-5000, e.g. \'800\'), ticks with more due targets fan out to a second function app, the shard workers, one Flex instance per shard.')
param scalerShardSize string = ''

@description('SCALER_SHARD_QUEUE: the queue in the host storage account that carries the shards.')
param shardQueueName string = 'scaler-shards'

@description('The shard workers\' app: the most instances it may run at once (one per shard message: at least the shard count, ceil(targets / SCALER_SHARD_SIZE)).')
@minValue(40)
@maxValue(1000)
param shardMaximumInstanceCount int = 40

@description('Action groups notified by the alert rules (resource ids). Empty: the alerts only show in the portal.')
param alertActionGroupIds string[] = []

var abbrs = loadJsonContent('./abbreviations.json')
// Per trigger type: the kind of resource it reads (scope), the metadata keys naming the resource
// and its account, and the roles: read (scaler identity) and send (host identity, forward mode).
// Written by `npm run infra:trigger-types`; a test keeps it equal to the registry.
var triggerTypes = loadJsonContent('./trigger-types.json').triggerTypes
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var appResourceGroupName = !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
var appName = !empty(functionAppName) ? functionAppName : '${abbrs.webSitesFunctions}scaler-${resourceToken}'
var hostStorageName = !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
var deploymentContainerName = 'app-package-${take(appName, 32)}-${take(toLower(uniqueString(appName, resourceToken)), 7)}'

// Wake queues in other accounts get their own connection, SCALER_WAKE_<account> (one entry per account).
var wakeAccounts = map(filter(wakeQueues, w => !empty(w.accountName)), w => w.accountName)

// Kubernetes RBAC clusters: one rbac.yaml per (cluster, namespace).
var kubernetesRbacNamespaces = flatten(map(filter(clusters, c => !contains(azureRbacClusters, c.name)), c => map(c.namespaces, n => {
  subscriptionId: c.subscriptionId
  resourceGroup: c.resourceGroup
  clusterName: c.clusterName
  namespace: n.name
})))

// ---- The app's own resources ----

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: appResourceGroupName
  location: location
  tags: tags
}

module hostIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'hostIdentity'
  scope: rg
  params: {
    name: !empty(hostIdentityName) ? hostIdentityName : '${abbrs.managedIdentityUserAssignedIdentities}host-${resourceToken}'
    location: location
    tags: tags
  }
}

module scalerIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'scalerIdentity'
  scope: rg
  params: {
    name: !empty(scalerIdentityName) ? scalerIdentityName : '${abbrs.managedIdentityUserAssignedIdentities}scaler-${resourceToken}'
    location: location
    tags: tags
  }
}

module appServicePlan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'appserviceplan'
  scope: rg
  params: {
    name: !empty(appServicePlanName) ? appServicePlanName : '${abbrs.webServerFarms}${resourceToken}'
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true // Linux
    location: location
    tags: tags
  }
}

module storage 'br/public:avm/res/storage/storage-account:0.8.3' = {
  name: 'storage'
  scope: rg
  params: {
    name: hostStorageName
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // Entra ID only: no account keys, no SAS
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [{ name: deploymentContainerName }] // Flex deploys from here, with the host identity
    }
    tableServices: {
      tables: [{ name: stateTableName }] // per-target state (SCALER_STATE_TABLE)
    }
    minimumTlsVersion: 'TLS1_2'
    location: location
    tags: tags
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = {
  name: '${uniqueString(deployment().name, location)}-loganalytics'
  scope: rg
  params: {
    name: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    location: location
    tags: tags
    dataRetention: 30
  }
}

module monitoring 'br/public:avm/res/insights/component:0.6.0' = {
  name: '${uniqueString(deployment().name, location)}-appinsights'
  scope: rg
  params: {
    name: !empty(applicationInsightsName) ? applicationInsightsName : '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    disableLocalAuth: true // telemetry only with an Entra token (Monitoring Metrics Publisher)
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: appName
    location: location
    tags: tags
    appServicePlanId: appServicePlan.outputs.resourceId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    hostIdentityId: hostIdentity.outputs.resourceId
    hostIdentityClientId: hostIdentity.outputs.clientId
    scalerIdentityId: scalerIdentity.outputs.resourceId
    scalerIdentityClientId: scalerIdentity.outputs.clientId
    applicationInsightsName: monitoring.outputs.name
    scalerTargets: scalerTargets
    scalerClusters: scalerClusters
    scalerSchedule: scalerSchedule
    stateTableName: stateTableName
    wakeAccountNames: wakeAccounts
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    scalerShardSize: scalerShardSize
    shardQueueName: shardQueueName
    // V8's heap at a quarter of the instance, as V8 sizes it for a machine of that memory: on a
    // host it sizes from more, garbage piles up between full collections (bench/README.md, goal 4:
    // 1,000 targets peaked at 216-223 MB uncapped, 160 MB capped at 512 MB).
    roleSettings: {
      languageWorkers__node__arguments: '--max-old-space-size=${instanceMemoryMB / 4}'
    }
  }
}

// The shard workers (fan-out): the same package and settings as `api`, running the shard function
// alone, one shard message per instance (batchSize 1, no second batch), on 512 MB instances with
// V8's heap capped at 256 MB: a worker with 10,000 targets and shards of 800 then peaked at
// 320-333 MB, against up to 643 MB uncapped (bench/README.md, "Fan-out"). Its own app because
// host.json's queue settings are per app (the wake queues take 32 at a time).
module shardWorkers 'app/api.bicep' = if (!empty(scalerShardSize)) {
  name: 'shard-workers'
  scope: rg
  params: {
    name: '${appName}-shards'
    serviceName: 'scaler-shards'
    location: location
    tags: tags
    appServicePlanId: appServicePlan.outputs.resourceId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    hostIdentityId: hostIdentity.outputs.resourceId
    hostIdentityClientId: hostIdentity.outputs.clientId
    scalerIdentityId: scalerIdentity.outputs.resourceId
    scalerIdentityClientId: scalerIdentity.outputs.clientId
    applicationInsightsName: monitoring.outputs.name
    scalerTargets: scalerTargets
    scalerClusters: scalerClusters
    scalerSchedule: scalerSchedule
    stateTableName: stateTableName
    wakeAccountNames: []
    maximumInstanceCount: shardMaximumInstanceCount
    instanceMemoryMB: 512
    scalerShardSize: scalerShardSize
    shardQueueName: shardQueueName
    roleSettings: {
      SCALER_SHARD_WORKER: 'true'
      AzureFunctionsJobHost__extensions__queues__batchSize: '1'
      AzureFunctionsJobHost__extensions__queues__newBatchThreshold: '0'
      languageWorkers__node__arguments: '--max-old-space-size=256'
    }
  }
}

// The shard queue and its -poison queue, consumed and written by the host identity (the timer
// sends, the shard workers receive).
module shardQueue 'app/wake-queues.bicep' = if (!empty(scalerShardSize)) {
  name: 'shard-queue'
  scope: rg
  params: {
    accountName: hostStorageName
    queueNames: [shardQueueName]
    principalId: hostIdentity.outputs.principalId
  }
  dependsOn: [storage]
}

module dashboards 'app/monitoring.bicep' = {
  name: 'dashboards'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsName: monitoring.outputs.name
    alertNamePrefix: '${abbrs.insightsScheduledQueryRules}${resourceToken}'
    actionGroupIds: alertActionGroupIds
  }
}

// ---- Roles: host identity on the app's own resources ----

module hostRoles 'app/rbac.bicep' = {
  name: 'hostRoles'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.name
    hostPrincipalId: hostIdentity.outputs.principalId
  }
}

// ---- Roles: scaler identity, the target queues of each storage account ----

module targetQueueReaders 'app/queue-access.bicep' = [for q in queueReads: {
  name: 'read-${uniqueString(storageAccounts[q.accountName].?subscriptionId ?? subscription().subscriptionId, storageAccounts[q.accountName].resourceGroup, q.accountName, q.triggerType)}'
  scope: resourceGroup(storageAccounts[q.accountName].?subscriptionId ?? subscription().subscriptionId, storageAccounts[q.accountName].resourceGroup)
  params: {
    accountName: q.accountName
    queueNames: q.queueNames // the workloads' queues: referenced, never created
    access: 'read'
    roleId: triggerTypes[q.triggerType].read.id // the trigger type's read role (trigger-types.json)
    principalId: scalerIdentity.outputs.principalId
  }
}]

// ---- Roles: scaler identity, the Service Bus entities of each namespace (one by one) ----

module targetServiceBusReaders 'app/servicebus-access.bicep' = [for s in serviceBusReads: {
  name: 'sbread-${uniqueString(serviceBusNamespaces[s.accountName].?subscriptionId ?? subscription().subscriptionId, serviceBusNamespaces[s.accountName].resourceGroup, s.accountName, s.triggerType)}'
  scope: resourceGroup(serviceBusNamespaces[s.accountName].?subscriptionId ?? subscription().subscriptionId, serviceBusNamespaces[s.accountName].resourceGroup)
  params: {
    namespaceName: s.accountName
    entityPaths: s.queueNames // the workloads' queues and subscriptions: referenced, never created
    access: 'read'
    roleId: triggerTypes[s.triggerType].read.id // the trigger type's read role (trigger-types.json)
    principalId: scalerIdentity.outputs.principalId
  }
}]

// ---- Roles: scaler identity, cluster by cluster (and namespace by namespace with Azure RBAC) ----

module clusterRoles 'app/aks-access.bicep' = [for c in clusters: {
  name: 'aks-${uniqueString(c.subscriptionId, c.resourceGroup, c.clusterName)}'
  scope: resourceGroup(c.subscriptionId, c.resourceGroup)
  params: {
    clusterName: c.clusterName
    principalId: scalerIdentity.outputs.principalId
    azureRbac: contains(azureRbacClusters, c.name)
    namespaces: c.namespaces
  }
}]

// ---- Roles: host identity, the wake queues of each storage account (docs/wake.md) ----

module wakeQueueConsumers 'app/wake-queues.bicep' = [for w in wakeQueues: {
  name: 'wake-${uniqueString(w.accountName)}'
  scope: resourceGroup(
    empty(w.accountName) ? subscription().subscriptionId : (storageAccounts[w.accountName].?subscriptionId ?? subscription().subscriptionId),
    empty(w.accountName) ? appResourceGroupName : storageAccounts[w.accountName].resourceGroup
  )
  params: {
    accountName: empty(w.accountName) ? hostStorageName : w.accountName
    queueNames: w.queueNames // created, each with its -poison queue
    principalId: hostIdentity.outputs.principalId
  }
  dependsOn: [storage]
}]

// ---- Roles: host identity, the wake.forwardTo queues of each storage account ----

module forwardQueueSenders 'app/queue-access.bicep' = [for f in queueSends: {
  name: 'forward-${uniqueString(storageAccounts[f.accountName].?subscriptionId ?? subscription().subscriptionId, storageAccounts[f.accountName].resourceGroup, f.accountName, f.triggerType)}'
  scope: resourceGroup(storageAccounts[f.accountName].?subscriptionId ?? subscription().subscriptionId, storageAccounts[f.accountName].resourceGroup)
  params: {
    accountName: f.accountName
    queueNames: f.queueNames // the work queues: referenced, never created
    access: 'send'
    roleId: triggerTypes[f.triggerType].send.id // the first trigger type's send role (trigger-types.json)
    principalId: hostIdentity.outputs.principalId
  }
}]

// ---- Outputs (azd turns them into environment variables) ----

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_SCALER_NAME string = api.outputs.name
@description('The shard workers\' app (fan-out), publish the same package to it; empty without SCALER_SHARD_SIZE.')
output SHARD_WORKERS_APP_NAME string = empty(scalerShardSize) ? '' : '${appName}-shards'
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.name
output HOST_IDENTITY_CLIENT_ID string = hostIdentity.outputs.clientId
output SCALER_IDENTITY_CLIENT_ID string = scalerIdentity.outputs.clientId
@description('The scaler identity\'s object (principal) id: the User a Kubernetes RoleBinding names.')
output SCALER_IDENTITY_PRINCIPAL_ID string = scalerIdentity.outputs.principalId
@description('For each namespace with targets in a Kubernetes RBAC cluster: the command that applies infra/kubernetes/rbac.yaml there (run from the repository root, as someone allowed to create Roles in that namespace).')
output KUBERNETES_RBAC_COMMANDS string[] = [for n in kubernetesRbacNamespaces: 'az aks get-credentials --subscription ${n.subscriptionId} --resource-group ${n.resourceGroup} --name ${n.clusterName} --overwrite-existing && kubelogin convert-kubeconfig -l azurecli && sed -e \'s/\${NAMESPACE}/${n.namespace}/g\' -e \'s/\${OBJECT_ID}/${scalerIdentity.outputs.principalId}/g\' infra/kubernetes/rbac.yaml | kubectl --context ${n.clusterName} apply -f -']

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
//    thing they grant: queues one by one, clusters one by one, namespaces one by one. Wake
//    queues (a target's wake field) are created with their -poison queue.
// The targets are read from scalerTargets / scalerClusters, the very text written to the
// SCALER_TARGETS / SCALER_CLUSTERS app settings, so the grants and the config cannot disagree.
// What each trigger type reads, and the roles it needs there, come from trigger-types.json,
// generated from the scaler's trigger registry (shared/sources/registry.ts).
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

@description('SCALER_TARGETS, written to the app setting as is: a JSON list of flat targets (KEDA ScaledObject spec fields plus namespace and cluster; docs/configuration.md). It must be JSON here, not YAML: the deployment reads it to grant the queue and cluster roles.')
param scalerTargets string

@description('SCALER_CLUSTERS, written to the app setting as is: a JSON map of cluster name -> { "resourceId": "<AKS resource id>" }.')
param scalerClusters string

@description('Names from scalerClusters whose AKS cluster authorizes with Azure RBAC for Kubernetes: the scaler gets a custom role per namespace. The other clusters use Kubernetes RBAC: apply infra/kubernetes/rbac.yaml with the KUBERNETES_RBAC_COMMANDS output.')
param azureRbacClusters string[] = []

@description('Where each storage account named by a trigger or a wake queue lives: { "<accountName>": { "resourceGroup": "<name>", "subscriptionId": "<id, default this subscription>" } }.')
param storageAccounts object = {}

@description('SCALER_SCHEDULE: NCRONTAB with seconds.')
param scalerSchedule string = '*/15 * * * * *'

@description('SCALER_STATE_TABLE: the table in the host storage account that holds per-target state.')
param stateTableName string = 'scalerstate'

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Action groups notified by the alert rules (resource ids). Empty: the alerts only show in the portal.')
param alertActionGroupIds string[] = []

var abbrs = loadJsonContent('./abbreviations.json')
// Per trigger type: the kind of resource it reads (scope), the metadata keys naming the resource
// and its account, and the roles: read (scaler identity) and send (host identity, forward mode).
// Written by `npm run infra:trigger-types`; a test keeps it equal to the registry.
var triggerTypes = loadJsonContent('./trigger-types.json').triggerTypes
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var appResourceGroupName = !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
var appName = !empty(functionAppName) ? functionAppName : '${abbrs.webSitesFunctions}scaler-${resourceToken}'
var hostStorageName = !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
var deploymentContainerName = 'app-package-${take(appName, 32)}-${take(toLower(uniqueString(appName, resourceToken)), 7)}'

// ---- What the targets need, read from the settings the app reads ----

var targets = json(scalerTargets)
var clusters = json(scalerClusters)
// As the config loader does: a target without `cluster` is in the only cluster.
var onlyCluster = length(objectKeys(clusters)) == 1 ? objectKeys(clusters)[0] : ''

// Every Storage queue a trigger reads (its type's scope is storage-queue), once: several targets
// may read one queue. The queue and its account are the metadata keys its type names.
var triggerQueues = flatten(map(targets, t => map(filter(t.triggers, tr => triggerTypes[?tr.type].?scope == 'storage-queue'), tr => {
  accountName: tr.metadata[triggerTypes[tr.type].accountField]
  queueName: tr.metadata[triggerTypes[tr.type].resourceField]
  role: triggerTypes[tr.type].read
})))
var targetQueues = map(items(groupBy(triggerQueues, q => '${q.accountName}/${q.queueName}')), g => {
  accountName: g.value[0].accountName
  queueName: g.value[0].queueName
  role: g.value[0].role
  subscriptionId: storageAccounts[g.value[0].accountName].?subscriptionId ?? subscription().subscriptionId
  resourceGroup: storageAccounts[g.value[0].accountName].resourceGroup
})

// Every workload, with the defaults of docs/configuration.md.
var workloads = map(targets, t => {
  cluster: t.?cluster ?? onlyCluster
  namespace: t.?namespace ?? 'default'
  kind: t.scaleTargetRef.?kind ?? 'Deployment'
})
var workloadsByCluster = groupBy(workloads, w => w.cluster)

// /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>
var clusterAccess = map(items(clusters), c => {
  name: c.key
  subscriptionId: split(c.value.resourceId, '/')[2]
  resourceGroup: split(c.value.resourceId, '/')[4]
  clusterName: split(c.value.resourceId, '/')[8]
  azureRbac: contains(azureRbacClusters, c.key)
})

// Kubernetes RBAC clusters: one rbac.yaml per (cluster, namespace).
var kubernetesRbacNamespaces = map(
  items(groupBy(filter(workloads, w => !contains(azureRbacClusters, w.cluster)), w => '${w.cluster}/${w.namespace}')),
  g => {
    cluster: g.value[0].cluster
    namespace: g.value[0].namespace
    subscriptionId: split(clusters[g.value[0].cluster].resourceId, '/')[2]
    resourceGroup: split(clusters[g.value[0].cluster].resourceId, '/')[4]
    clusterName: split(clusters[g.value[0].cluster].resourceId, '/')[8]
  }
)

// Wake queues (a target's wake field; '' = the app's own account) and forward targets
// (wake.forwardTo: a queue in the account of the target's first trigger, which the wake path
// sends to with that trigger type's sender and role), once each. Several targets may share a
// wake queue.
var wakeTargets = filter(targets, t => t.?wake != null)
var wakeQueueGrants = map(items(groupBy(wakeTargets, t => '${t.wake.?accountName ?? ''}/${t.wake.queueName}')), g => {
  accountName: g.value[0].wake.?accountName ?? ''
  queueName: g.value[0].wake.queueName
})
var forwards = map(filter(wakeTargets, t => t.wake.?forwardTo != null && triggerTypes[?t.triggers[0].type].?scope == 'storage-queue'), t => {
  accountName: t.triggers[0].metadata[triggerTypes[t.triggers[0].type].accountField]
  queueName: t.wake.forwardTo
  role: triggerTypes[t.triggers[0].type].send
})
var forwardQueueGrants = map(items(groupBy(forwards, f => '${f.accountName}/${f.queueName}')), g => g.value[0])
// Wake queues in other accounts get their own connection, SCALER_WAKE_<account>.
var wakeAccounts = objectKeys(groupBy(filter(wakeQueueGrants, w => !empty(w.accountName)), w => w.accountName))

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
  }
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

// ---- Roles: scaler identity, target queue by target queue ----

module targetQueueReaders 'app/queue-access.bicep' = [for q in targetQueues: {
  name: 'read-${uniqueString(q.subscriptionId, q.resourceGroup, q.accountName, q.queueName)}'
  scope: resourceGroup(q.subscriptionId, q.resourceGroup)
  params: {
    accountName: q.accountName
    queueNames: [q.queueName]
    create: false // the workload's queue: referenced, never created
    access: 'read'
    roleId: q.role.id // the trigger type's read role (trigger-types.json)
    principalId: scalerIdentity.outputs.principalId
  }
}]

// ---- Roles: scaler identity, cluster by cluster (and namespace by namespace with Azure RBAC) ----

module clusterRoles 'app/aks-access.bicep' = [for c in clusterAccess: {
  name: 'aks-${uniqueString(c.subscriptionId, c.resourceGroup, c.clusterName)}'
  scope: resourceGroup(c.subscriptionId, c.resourceGroup)
  params: {
    clusterName: c.clusterName
    principalId: scalerIdentity.outputs.principalId
    azureRbac: c.azureRbac
    workloads: workloadsByCluster[?c.name] ?? []
  }
}]

// ---- Roles: host identity, wake queue by wake queue (the targets' wake field, docs/wake.md) ----

module wakeQueueConsumers 'app/queue-access.bicep' = [for w in wakeQueueGrants: {
  name: 'wake-${uniqueString(w.accountName, w.queueName)}'
  scope: resourceGroup(
    empty(w.accountName) ? subscription().subscriptionId : (storageAccounts[w.accountName].?subscriptionId ?? subscription().subscriptionId),
    empty(w.accountName) ? appResourceGroupName : storageAccounts[w.accountName].resourceGroup
  )
  params: {
    accountName: empty(w.accountName) ? hostStorageName : w.accountName
    queueNames: [w.queueName, '${w.queueName}-poison']
    create: true
    access: 'consume'
    // A queue trigger gets, updates, deletes and poisons messages: Reader + Message Processor
    // cannot release a failed message or write the -poison queue.
    roleId: storageQueueDataContributor
    principalId: hostIdentity.outputs.principalId
  }
  dependsOn: [storage]
}]

module forwardQueueSenders 'app/queue-access.bicep' = [for f in forwardQueueGrants: {
  name: 'forward-${uniqueString(f.accountName, f.queueName)}'
  scope: resourceGroup(storageAccounts[f.accountName].?subscriptionId ?? subscription().subscriptionId, storageAccounts[f.accountName].resourceGroup)
  params: {
    accountName: f.accountName
    queueNames: [f.queueName]
    create: false // the work queue: referenced, never created
    access: 'send'
    roleId: f.role.id // the first trigger type's send role (trigger-types.json)
    principalId: hostIdentity.outputs.principalId
  }
}]

// ---- Outputs (azd turns them into environment variables) ----

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_SCALER_NAME string = api.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.name
output HOST_IDENTITY_CLIENT_ID string = hostIdentity.outputs.clientId
output SCALER_IDENTITY_CLIENT_ID string = scalerIdentity.outputs.clientId
@description('The scaler identity\'s object (principal) id: the User a Kubernetes RoleBinding names.')
output SCALER_IDENTITY_PRINCIPAL_ID string = scalerIdentity.outputs.principalId
@description('For each namespace with targets in a Kubernetes RBAC cluster: the command that applies infra/kubernetes/rbac.yaml there (run from the repository root, as someone allowed to create Roles in that namespace).')
output KUBERNETES_RBAC_COMMANDS string[] = [for n in kubernetesRbacNamespaces: 'az aks get-credentials --subscription ${n.subscriptionId} --resource-group ${n.resourceGroup} --name ${n.clusterName} --overwrite-existing && kubelogin convert-kubeconfig -l azurecli && sed -e \'s/\${NAMESPACE}/${n.namespace}/g\' -e \'s/\${OBJECT_ID}/${scalerIdentity.outputs.principalId}/g\' infra/kubernetes/rbac.yaml | kubectl --context ${n.clusterName} apply -f -']

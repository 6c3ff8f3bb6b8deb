// The function app: Flex Consumption (FC1), Linux, Node 22, deployed from a blob container with
// the host identity. Every connection is identity-based: there is no key, SAS or storage
// connection string anywhere, and the storage account refuses shared keys anyway.
param name string
param location string
param tags object
param appServicePlanId string

@description('Host storage (AzureWebJobsStorage): timer locks, the state table, the deployment container.')
param storageAccountName string
param deploymentContainerName string

@description('The host identity: host storage, deployment, telemetry, wake queues.')
param hostIdentityId string
param hostIdentityClientId string

@description('The scaler identity: target queues and clusters (AZURE_CLIENT_ID).')
param scalerIdentityId string
param scalerIdentityClientId string

param applicationInsightsName string
param scalerTargets string
param scalerClusters string
param scalerSchedule string
param stateTableName string

@description('Storage accounts (other than the host\'s) holding wake queues: each gets the connection SCALER_WAKE_<account>.')
param wakeAccountNames string[]

param maximumInstanceCount int
param instanceMemoryMB int

@description('SCALER_SHARD_SIZE: empty, every tick is evaluated by the timer itself (docs/configuration.md, "Fan-out").')
param scalerShardSize string = ''
@description('SCALER_SHARD_QUEUE: the shard messages\' queue in the host storage account.')
param shardQueueName string = 'scaler-shards'

@description('The azd service this app is: scaler (timer and wake queues) or scaler-shards (the shard workers).')
param serviceName string = 'scaler'
@description('Settings of this app\'s role on top of the scaler\'s: the shard workers\' app sets SCALER_SHARD_WORKER and a queue batch of 1.')
param roleSettings object = {}

var storageSuffix = environment().suffixes.storage

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// The Functions host's storage through the host identity. All three of credential, clientId
// and a service URI are needed with a user-assigned identity; the state table
// (shared/runtime/wiring.ts) is found through __tableServiceUri and __clientId.
var hostStorageSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__blobServiceUri: 'https://${storageAccountName}.blob.${storageSuffix}'
  AzureWebJobsStorage__queueServiceUri: 'https://${storageAccountName}.queue.${storageSuffix}'
  AzureWebJobsStorage__tableServiceUri: 'https://${storageAccountName}.table.${storageSuffix}'
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: hostIdentityClientId
}

// Telemetry with an Entra token (local auth is off on the resource). The connection string
// names the resource and its ingestion endpoint; it holds no secret.
var telemetrySettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${hostIdentityClientId};Authorization=AAD'
}

// What the scaler reads (docs/configuration.md).
var scalerSettings = {
  AZURE_CLIENT_ID: scalerIdentityClientId
  SCALER_TARGETS: scalerTargets
  SCALER_CLUSTERS: scalerClusters
  SCALER_SCHEDULE: scalerSchedule
  SCALER_STATE_TABLE: stateTableName
  SCALER_SHARD_SIZE: scalerShardSize
  SCALER_SHARD_QUEUE: shardQueueName
}

// A wake queue in another account is consumed through the connection SCALER_WAKE_<account>,
// with the host identity (wake queues in the host account use AzureWebJobsStorage).
var wakeSettings = reduce(wakeAccountNames, {}, (settings, account) => union(settings, {
  'SCALER_WAKE_${account}__queueServiceUri': 'https://${account}.queue.${storageSuffix}'
  'SCALER_WAKE_${account}__credential': 'managedidentity'
  'SCALER_WAKE_${account}__clientId': hostIdentityClientId
}))

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${hostIdentityId}': {}
      '${scalerIdentityId}': {}
    }
  }
  properties: {
    serverFarmId: appServicePlanId
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      // Flex deploys from this container with the host identity (no WEBSITE_RUN_FROM_PACKAGE).
      deployment: {
        storage: {
          type: 'blobContainer'
          value: 'https://${storageAccountName}.blob.${storageSuffix}/${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: hostIdentityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union(hostStorageSettings, telemetrySettings, scalerSettings, wakeSettings, roleSettings)
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName

// The host identity's roles on the app's own resources, each at the narrowest scope that works:
// the storage account (the host creates its own containers and tables there) and App Insights.
param storageAccountName string
param applicationInsightsName string
param hostPrincipalId string

var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Host coordination and timer locks (blob leases), the key store, and the Flex deployment
// container. Blob Data Owner is what the Functions docs require for AzureWebJobsStorage.
resource blobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, hostPrincipalId, storageBlobDataOwner)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    principalId: hostPrincipalId
    principalType: 'ServicePrincipal'
    description: 'aks-queue-scaler host: AzureWebJobsStorage blobs and the deployment container'
  }
}

// The state table (SCALER_STATE_TABLE) and the host's diagnostic events tables.
resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, hostPrincipalId, storageTableDataContributor)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
    principalId: hostPrincipalId
    principalType: 'ServicePrincipal'
    description: 'aks-queue-scaler host: the state table'
  }
}

// Telemetry with Entra auth; despite the name, this role publishes all telemetry.
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, hostPrincipalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: hostPrincipalId
    principalType: 'ServicePrincipal'
    description: 'aks-queue-scaler host: telemetry to Application Insights'
  }
}

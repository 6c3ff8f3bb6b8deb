// Wake queues of one storage account (docs/wake.md): each is created with its -poison queue
// (where the Functions host moves a message that keeps failing), and the host identity may
// consume both. Deployed into the account's resource group (any subscription); the account is
// referenced, never created or changed. The role is assigned on the queue this template creates,
// so no queue is both created and referenced as `existing` in one template.
@description('The storage account holding the wake queues, in this deployment\'s resource group.')
param accountName string

@description('The wake queues (without their -poison queues, which are added here).')
param queueNames string[]

@description('The host identity: the wake functions\' queue triggers consume these queues.')
param principalId string

// A queue trigger gets, updates, deletes and poisons messages: Reader + Message Processor
// cannot release a failed message or write the -poison queue.
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor

var allQueueNames = flatten(map(queueNames, q => [q, '${q}-poison']))

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: accountName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: storageAccount
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for queueName in allQueueNames: {
  parent: queueService
  name: queueName
}]

resource queueConsumers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (queueName, i) in allQueueNames: {
  name: guid(queues[i].id, principalId, storageQueueDataContributor)
  scope: queues[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-queue-scaler: consume queue ${queueName}'
  }
}]

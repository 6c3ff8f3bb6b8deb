// One identity's role on some queues of one storage account, at queue scope. Deployed into the
// account's resource group (any subscription): the account is referenced, never created.
@description('The storage account holding the queues, in this deployment\'s resource group.')
param accountName string

param queueNames string[]

@description('true: create the queues (a wake queue and its -poison queue); false: they must exist.')
param create bool

@description('read: the scaler reads the length (Storage Queue Data Reader). consume: a queue trigger gets, updates, deletes and poisons messages (Storage Queue Data Contributor; Reader + Message Processor cannot release a failed message or write the -poison queue). send: forward mode adds messages (Storage Queue Data Message Sender).')
@allowed(['read', 'consume', 'send'])
param access string

param principalId string

var storageQueueDataReader = '19e7f393-937e-4f77-808e-94535e297925' // Storage Queue Data Reader
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
var storageQueueDataMessageSender = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a' // Storage Queue Data Message Sender
var roleIds = {
  read: storageQueueDataReader
  consume: storageQueueDataContributor
  send: storageQueueDataMessageSender
}
var roleId = roleIds[access]

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: accountName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: storageAccount
  name: 'default'
}

resource createdQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for queueName in queueNames: if (create) {
  parent: queueService
  name: queueName
}]

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' existing = [for queueName in queueNames: {
  parent: queueService
  name: queueName
}]

resource queueRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (queueName, i) in queueNames: {
  name: guid(queues[i].id, principalId, roleId)
  scope: queues[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-queue-scaler: ${access} queue ${queueName}'
  }
  dependsOn: [createdQueues]
}]

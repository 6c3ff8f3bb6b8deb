// One identity's role on some queues of one storage account, at queue scope. Deployed into the
// account's resource group (any subscription): the account is referenced, never created.
@description('The storage account holding the queues, in this deployment\'s resource group.')
param accountName string

param queueNames string[]

@description('true: create the queues (a wake queue and its -poison queue); false: they must exist.')
param create bool

@description('What the identity does there. read: the scaler reads the length. consume: a queue trigger gets, updates, deletes and poisons messages. send: forward mode adds messages.')
@allowed(['read', 'consume', 'send'])
param access string

@description('The built-in role that allows it, by id (main.bicep: a trigger type\'s read or send role from trigger-types.json, or Storage Queue Data Contributor for a wake queue).')
param roleId string

param principalId string

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

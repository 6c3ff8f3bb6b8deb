// One identity's role on some existing queues of one storage account, at queue scope. Deployed
// into the account's resource group (any subscription): the account and its queues are
// referenced, never created or changed (wake queues, which are created, have wake-queues.bicep).
@description('The storage account holding the queues, in this deployment\'s resource group.')
param accountName string

@description('Queues that exist already: the workloads\' queues.')
param queueNames string[]

@description('What the identity does there. read: the scaler reads the length. send: forward mode adds messages.')
@allowed(['read', 'send'])
param access string

@description('The built-in role that allows it, by id: a trigger type\'s read or send role from trigger-types.json (main.bicep).')
param roleId string

param principalId string

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: accountName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: storageAccount
  name: 'default'
}

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
}]

// The scaler identity's role on some existing entities of one Service Bus namespace, each at its
// own scope: a queue, or a topic's subscription (the narrowest scope Azure RBAC allows for
// Service Bus). Deployed into the namespace's resource group (any subscription): the namespace
// and its entities are referenced, never created or changed.
@description('The Service Bus namespace holding the entities (its name), in this deployment\'s resource group.')
param namespaceName string

@description('Entities that exist already, as the REST API names them: a queue, or <topic>/Subscriptions/<subscription>.')
param entityPaths string[]

@description('What the identity does there. read: the scaler reads the active message count (a management read).')
@allowed(['read'])
param access string

@description('The built-in role that allows it, by id: a trigger type\'s read role from trigger-types.json (main.bicep).')
param roleId string

param principalId string

// '<topic>/Subscriptions/<subscription>' (the metadata refuses '/' in queue and topic names).
var subscriptionPaths = filter(entityPaths, p => contains(p, '/'))
var queueNames = filter(entityPaths, p => !contains(p, '/'))

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: namespaceName
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' existing = [for queueName in queueNames: {
  parent: namespace
  name: queueName
}]

resource topics 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' existing = [for path in subscriptionPaths: {
  parent: namespace
  name: split(path, '/')[0]
}]

resource subscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' existing = [for (path, i) in subscriptionPaths: {
  parent: topics[i]
  name: last(split(path, '/'))
}]

resource queueRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (queueName, i) in queueNames: {
  name: guid(queues[i].id, principalId, roleId)
  scope: queues[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-queue-scaler: ${access} Service Bus queue ${queueName}'
  }
}]

resource subscriptionRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (path, i) in subscriptionPaths: {
  name: guid(subscriptions[i].id, principalId, roleId)
  scope: subscriptions[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-queue-scaler: ${access} Service Bus subscription ${path}'
  }
}]

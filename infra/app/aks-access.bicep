// The scaler identity's access to one AKS cluster, deployed into the cluster's resource group
// (any subscription): the cluster is referenced, never created.
// - AKS Cluster User Role at cluster scope: managedClusters/read (the app checks that the cluster
//   uses Entra ID) and listClusterUserCredential (server URL and CA). It grants nothing inside
//   the cluster: the Kubernetes API is reached with the identity's Entra token.
// - Azure RBAC clusters only: a custom role per workload kind, with nothing but read and write on
//   that kind, assigned namespace by namespace. Azure RBAC has no data action for the /scale
//   subresource (a scale is checked as <kind>/write, which also allows changing the pod
//   template); Kubernetes RBAC can grant /scale alone, so it is the tighter mode
//   (infra/kubernetes/rbac.yaml).
param clusterName string
param principalId string

@description('The cluster authorizes Kubernetes requests with Azure RBAC.')
param azureRbac bool

@description('The namespaces with targets in this cluster, each once: [{ name, kinds: [\'Deployment\' | \'StatefulSet\'] }] (aks-queue-scaler deploy-parameters).')
param namespaces array

var aksClusterUserRole = '4abbcc35-e782-43d8-92c5-2d3f1bd2253f' // Azure Kubernetes Service Cluster User Role

// Azure RBAC only: each namespace once (one `existing` reference per namespace), and the kinds
// that need their custom role.
var scopedNamespaces = azureRbac ? namespaces : []
var kinds = flatten(map(scopedNamespaces, n => n.kinds))

resource cluster 'Microsoft.ContainerService/managedClusters@2024-05-01' existing = {
  name: clusterName
}

resource clusterUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(cluster.id, principalId, aksClusterUserRole)
  scope: cluster
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', aksClusterUserRole)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-queue-scaler: read the cluster and list its user credentials (server URL and CA)'
  }
}

// One definition per cluster and kind; assignable only in this cluster.
resource deploymentScaler 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (contains(kinds, 'Deployment')) {
  name: guid(cluster.id, 'aks-queue-scaler', 'deployments')
  properties: {
    roleName: 'aks-queue-scaler deployments ${clusterName} ${uniqueString(cluster.id)}'
    description: 'Read Deployments and write their scale (a scale write is checked as deployments/write).'
    type: 'CustomRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          'Microsoft.ContainerService/managedClusters/apps/deployments/read'
          'Microsoft.ContainerService/managedClusters/apps/deployments/write'
        ]
        notDataActions: []
      }
    ]
    assignableScopes: [cluster.id]
  }
}

resource statefulSetScaler 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (contains(kinds, 'StatefulSet')) {
  name: guid(cluster.id, 'aks-queue-scaler', 'statefulsets')
  properties: {
    roleName: 'aks-queue-scaler statefulsets ${clusterName} ${uniqueString(cluster.id)}'
    description: 'Read StatefulSets and write their scale (a scale write is checked as statefulsets/write).'
    type: 'CustomRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          'Microsoft.ContainerService/managedClusters/apps/statefulsets/read'
          'Microsoft.ContainerService/managedClusters/apps/statefulsets/write'
        ]
        notDataActions: []
      }
    ]
    assignableScopes: [cluster.id]
  }
}

// <cluster id>/namespaces/<namespace>: the scope Azure RBAC for Kubernetes checks per namespace.
#disable-next-line BCP081
resource namespaceScopes 'Microsoft.ContainerService/managedClusters/namespaces@2025-05-02-preview' existing = [for n in scopedNamespaces: {
  parent: cluster
  name: n.name
}]

resource deploymentScalerAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (n, i) in scopedNamespaces: if (contains(n.kinds, 'Deployment')) {
  name: guid(namespaceScopes[i].id, principalId, deploymentScaler.name)
  scope: namespaceScopes[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', deploymentScaler.name)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-queue-scaler: scale Deployments in namespace ${n.name}'
  }
}]

resource statefulSetScalerAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (n, i) in scopedNamespaces: if (contains(n.kinds, 'StatefulSet')) {
  name: guid(namespaceScopes[i].id, principalId, statefulSetScaler.name)
  scope: namespaceScopes[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', statefulSetScaler.name)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-queue-scaler: scale StatefulSets in namespace ${n.name}'
  }
}]

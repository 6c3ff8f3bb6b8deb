// An example: one AKS cluster with Kubernetes RBAC, two targets reading two queues of one
// storage account in another resource group. Producers of orders write to orders-inbox (in the
// app's own account), which wakes orders-worker at once and forwards each message to orders;
// invoices-wake is a signal queue next to the invoices queue. Copy it, change the values, deploy:
//   az deployment sub create --location <region> --template-file infra/main.bicep --parameters infra/main.bicepparam
// (azd reads the same file: AZURE_ENV_NAME and AZURE_LOCATION come from the azd environment.)
using './main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'scaler-dev')
param location = readEnvironmentVariable('AZURE_LOCATION', 'westeurope')

// SCALER_TARGETS, as the app setting will hold it (JSON here; docs/configuration.md).
param scalerTargets = '''
[
  {
    "namespace": "shop",
    "scaleTargetRef": { "name": "orders-worker" },
    "minReplicaCount": 0,
    "maxReplicaCount": 20,
    "cooldownPeriod": 300,
    "wake": { "queueName": "orders-inbox", "forwardTo": "orders" },
    "triggers": [
      {
        "type": "azure-queue",
        "metadata": { "accountName": "shopdata", "queueName": "orders", "queueLength": "10" }
      }
    ]
  },
  {
    "namespace": "shop",
    "scaleTargetRef": { "kind": "StatefulSet", "name": "invoice-writer" },
    "minReplicaCount": 1,
    "maxReplicaCount": 5,
    "wake": { "accountName": "shopdata", "queueName": "invoices-wake" },
    "triggers": [
      {
        "type": "azure-queue",
        "metadata": { "accountName": "shopdata", "queueName": "invoices", "queueLength": "50", "activationQueueLength": "5" }
      }
    ]
  }
]
'''

// SCALER_CLUSTERS: the AKS clusters by name (their Entra ID integration is required).
param scalerClusters = '''
{
  "prod": {
    "resourceId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/shop-rg/providers/Microsoft.ContainerService/managedClusters/shop-aks"
  }
}
'''

// Clusters that authorize with Azure RBAC for Kubernetes, e.g. [ 'prod' ]. None here: prod uses
// Kubernetes RBAC, so apply infra/kubernetes/rbac.yaml with the KUBERNETES_RBAC_COMMANDS output.
param azureRbacClusters = []

// The resource group (and subscription, when another) of every storage account named above
// (triggers' and wake queues' accountName).
param storageAccounts = {
  shopdata: {
    resourceGroup: 'shop-rg'
  }
}

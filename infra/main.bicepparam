// The example deployment: one AKS cluster with Kubernetes RBAC, two targets reading two queues of
// one storage account in another resource group (infra/targets.yaml, infra/clusters.json).
//
// The targets and clusters are not written here. They are infra/targets.yaml (SCALER_TARGETS)
// and infra/clusters.json (SCALER_CLUSTERS), and infra/scaler.parameters.json carries both texts
// with what they need granted, derived by the app's own configuration loader. After changing
// either file (docs/deploy.md, step 1):
//   node dist/cli/main.js deploy-parameters --targets infra/targets.yaml --clusters infra/clusters.json --out infra/scaler.parameters.json
// Then deploy (azd reads this file too; AZURE_ENV_NAME and AZURE_LOCATION come from its environment):
//   az deployment sub create --name aks-queue-scaler --location <region> --template-file infra/main.bicep --parameters infra/main.bicepparam
using './main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'scaler-dev')
param location = readEnvironmentVariable('AZURE_LOCATION', 'westeurope')

// Written by `aks-queue-scaler deploy-parameters`: do not edit, regenerate.
var scaler = loadJsonContent('scaler.parameters.json').parameters

param scalerTargets = scaler.scalerTargets.value
param scalerClusters = scaler.scalerClusters.value
param queueReads = scaler.queueReads.value
param queueSends = scaler.queueSends.value
param serviceBusReads = scaler.serviceBusReads.value
param wakeQueues = scaler.wakeQueues.value
param clusters = scaler.clusters.value

// Clusters that authorize with Azure RBAC for Kubernetes, e.g. [ 'prod' ]. None here: prod uses
// Kubernetes RBAC, so apply infra/kubernetes/rbac.yaml with the KUBERNETES_RBAC_COMMANDS output.
param azureRbacClusters = []

// The resource group (and subscription, when another) of every storage account the targets
// name: deploy-parameters lists them ("storageAccounts ... must place").
param storageAccounts = {
  shopdata: {
    resourceGroup: 'shop-rg'
  }
}

// The resource group (and subscription, when another) of every Service Bus namespace the targets
// name: deploy-parameters lists them ("serviceBusNamespaces ... must place"). None here.
param serviceBusNamespaces = {}

// What a platform engineer looks at: a workbook charting replicas against queue length per
// target, with recent decisions and errors, and two log alerts. The KQL lives in
// infra/workbook.json and infra/queries/, and again in docs/queries.kql (a test keeps them equal).
param location string
param tags object
param applicationInsightsName string

@description('Prefix of the alert rule names (abbreviation + resourceToken).')
param alertNamePrefix string

@description('Action groups notified when an alert fires; empty: the alerts only show in the portal.')
param actionGroupIds string[]

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // A stable GUID, so a redeployment updates the workbook instead of adding one.
  name: guid(resourceGroup().id, applicationInsights.id, 'aks-queue-scaler-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'aks-queue-scaler (${applicationInsightsName})'
    category: 'workbook'
    // Lower case, or the workbook is not listed under the resource's Workbooks.
    sourceId: toLower(applicationInsights.id)
    version: 'Notebook/1.0'
    serializedData: loadTextContent('../workbook.json')
  }
}

// Each alert counts its query's rows per target over the window; more than none fires it, and
// it resolves itself once a window passes without any.
var alerts = [
  {
    name: 'fallback'
    displayName: 'aks-queue-scaler: fallback in effect'
    description: 'A target is on its fallback replicas because its triggers keep failing (docs/queries.kql: Alert: fallback in effect).'
    severity: 2
    query: loadTextContent('../queries/fallback-in-effect.kql')
  }
  {
    name: 'failures'
    displayName: 'aks-queue-scaler: evaluation failures'
    description: 'Exceptions, or decisions that could not be applied or saved (docs/queries.kql: Alert: evaluation failures).'
    severity: 1
    query: loadTextContent('../queries/evaluation-failures.kql')
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for alert in alerts: {
  name: '${alertNamePrefix}-${alert.name}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: alert.displayName
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: 'Count'
          dimensions: [
            {
              name: 'target'
              operator: 'Include'
              values: ['*']
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroupIds
    }
  }
}]

output workbookId string = workbook.id

// Container registry for the bot's image. No admin user and no anonymous pull: the
// bot pulls with its managed identity (AcrPull); administrators push with their own
// Entra sign-in (`az acr build` or `az acr login`).

@description('Azure region.')
param location string

@description('Registry name (globally unique, 5-50 letters and digits).')
param name string

@description('Registry SKU.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string

@description('Tags applied to every resource.')
param tags object

@description('Principal id of the managed identity that pulls images.')
param pullerPrincipalId string

@description('Log Analytics workspace for diagnostics.')
param workspaceId string

var acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

resource pullRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, pullerPrincipalId, acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPull)
    principalId: pullerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: registry
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output loginServer string = registry.properties.loginServer
output registryName string = registry.name
output pullRoleId string = pullRole.id

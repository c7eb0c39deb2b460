// Azure Bot: the Bot Framework registration of the council's single-tenant Entra app,
// its messaging endpoint, and the Microsoft Teams channel.
// The Bot Service only relays activities between Teams and the endpoint; it keeps no
// meeting records.

@description('Bot resource name (globally unique).')
param name string

@description('Where the Bot Service runs: global, or westeurope to keep it in the EU.')
@allowed([
  'global'
  'westeurope'
])
param location string

@description('Name shown in Teams.')
param displayName string

@description('Microsoft App ID (Entra app registration client id).')
param appId string

@description('Tenant of the app registration.')
param tenantId string

@description('Messaging endpoint, https://<host>/api/messages.')
param endpoint string

@description('F0 (free, standard channels such as Teams) or S1.')
@allowed([
  'F0'
  'S1'
])
param sku string

@description('Tags applied to every resource.')
param tags object

@description('Log Analytics workspace for diagnostics.')
param workspaceId string

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: location
  tags: tags
  kind: 'azurebot'
  sku: {
    name: sku
  }
  properties: {
    displayName: displayName
    endpoint: endpoint
    msaAppId: appId
    msaAppTenantId: tenantId
    msaAppType: 'SingleTenant'
    publicNetworkAccess: 'Enabled'
    schemaTransformationVersion: '1.3'
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: location
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
      enableCalling: false
    }
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: bot
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

output botName string = bot.name
output messagingEndpoint string = bot.properties.endpoint

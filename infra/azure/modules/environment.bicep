// Container Apps environment in the VNet (workload profiles, Consumption), zone
// redundant, console and system logs to Log Analytics, with the admin transfer share
// registered for the admin job.

@description('Azure region.')
param location string

@description('Prefix for resource names.')
param namePrefix string

@description('Tags applied to every resource.')
param tags object

@description('Subnet delegated to Microsoft.App/environments.')
param appsSubnetId string

@description('Spread replicas over availability zones (needs a VNet, which this has).')
param zoneRedundant bool

@description('Log Analytics workspace name (same resource group).')
param workspaceName string

@description('Storage account holding the transfer share.')
param transferAccountName string

@description('Name of the transfer share.')
param transferShareName string

resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' existing = {
  name: workspaceName
}

resource transferAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: transferAccountName
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${namePrefix}-env'
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: workspace.properties.customerId
        sharedKey: workspace.listKeys().primarySharedKey
      }
    }
    vnetConfiguration: {
      infrastructureSubnetId: appsSubnetId
      internal: false
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
    zoneRedundant: zoneRedundant
  }
}

resource transferStorage 'Microsoft.App/managedEnvironments/storages@2024-03-01' = {
  parent: environment
  name: 'transfer'
  properties: {
    azureFile: {
      accountName: transferAccount.name
      accountKey: transferAccount.listKeys().keys[0].value
      shareName: transferShareName
      accessMode: 'ReadWrite'
    }
  }
}

output environmentId string = environment.id
output environmentName string = environment.name
output defaultDomain string = environment.properties.defaultDomain
output transferStorageName string = transferStorage.name

// Virtual network: one subnet for the Container Apps environment, one delegated to
// PostgreSQL flexible server (private access), one for private endpoints (Key Vault).
// Nothing here is reachable from the internet; only the bot's HTTPS ingress is.

@description('Azure region.')
param location string

@description('Prefix for resource names.')
param namePrefix string

@description('Address space of the virtual network.')
param addressPrefix string

@description('Subnet for the Container Apps environment (workload profiles: /27 or larger; /23 recommended).')
param appsSubnetPrefix string

@description('Subnet delegated to PostgreSQL flexible server.')
param databaseSubnetPrefix string

@description('Subnet for private endpoints.')
param privateEndpointSubnetPrefix string

@description('Tags applied to every resource.')
param tags object

resource vnet 'Microsoft.Network/virtualNetworks@2023-11-01' = {
  name: '${namePrefix}-vnet'
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'apps'
        properties: {
          addressPrefix: appsSubnetPrefix
          delegations: [
            {
              name: 'containerapps'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
          // The admin jobs mount the transfer file share over this path only.
          serviceEndpoints: [
            {
              service: 'Microsoft.Storage'
              locations: [
                location
              ]
            }
          ]
        }
      }
      {
        name: 'database'
        properties: {
          addressPrefix: databaseSubnetPrefix
          delegations: [
            {
              name: 'postgres'
              properties: {
                serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Enabled'
        }
      }
    ]
  }
}

output vnetId string = vnet.id
output vnetName string = vnet.name
output appsSubnetId string = '${vnet.id}/subnets/apps'
output databaseSubnetId string = '${vnet.id}/subnets/database'
output privateEndpointSubnetId string = '${vnet.id}/subnets/private-endpoints'

// Key Vault for the bot's secrets: the data keys (MACE_DATA_KEYS), the bot's client
// secret (APP_PASSWORD), DATABASE_URL and the PostgreSQL administrator password. RBAC
// only (no access policies), soft delete and purge protection on, reachable from the VNet
// through a private endpoint and from the internet only from the administrators'
// addresses.
//
// Secret values never appear in this template: the administrator puts them in with
// `az keyvault secret set` (docs/deploy.md), except the PostgreSQL administrator password,
// which arrives as a secure parameter and is stored here so that the admin jobs can use it.

@description('Azure region.')
param location string

@description('Key Vault name (globally unique, 3-24 characters).')
param name string

@description('Tags applied to every resource.')
param tags object

@description('Public addresses (CIDR) allowed to reach the vault, for administrators setting secrets. Empty: none.')
param allowedIpRanges array

@description('Subnet for the private endpoint.')
param privateEndpointSubnetId string

@description('Virtual network the private DNS zone is linked to.')
param vnetId string

@description('Principal id of the managed identity that reads the secrets (Key Vault Secrets User).')
param readerPrincipalId string

@description('Object id of the administrator (user or group) who sets secrets (Key Vault Secrets Officer). Empty: none.')
param secretsOfficerPrincipalId string

@description('Type of secretsOfficerPrincipalId.')
@allowed([
  'User'
  'Group'
])
param secretsOfficerPrincipalType string

@secure()
@description('PostgreSQL administrator password, kept as the secret postgres-admin-password.')
param postgresAdminPassword string

@description('Log Analytics workspace for diagnostics.')
param workspaceId string

// Built-in role definitions.
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
      ipRules: [for range in allowedIpRanges: {
        value: range
      }]
      virtualNetworkRules: []
    }
  }
}

resource postgresAdminSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'postgres-admin-password'
  properties: {
    value: postgresAdminPassword
    contentType: 'PostgreSQL administrator password'
  }
}

resource readerRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, readerPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource officerRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(secretsOfficerPrincipalId)) {
  name: guid(vault.id, secretsOfficerPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: secretsOfficerPrincipalId
    principalType: secretsOfficerPrincipalType
  }
}

resource dnsZone 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: 'privatelink.vaultcore.azure.net'
  location: 'global'
  tags: tags
}

resource dnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  parent: dnsZone
  name: 'vault-link'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnetId
    }
  }
}

resource endpoint 'Microsoft.Network/privateEndpoints@2023-11-01' = {
  name: '${name}-pe'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: privateEndpointSubnetId
    }
    privateLinkServiceConnections: [
      {
        name: 'vault'
        properties: {
          privateLinkServiceId: vault.id
          groupIds: [
            'vault'
          ]
        }
      }
    ]
  }
}

resource endpointDns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-11-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'vault'
        properties: {
          privateDnsZoneId: dnsZone.id
        }
      }
    ]
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'audit'
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

output vaultName string = vault.name
output vaultUri string = vault.properties.vaultUri
output vaultId string = vault.id
// The reader role must exist before anything resolves a secret reference.
output readerRoleId string = readerRole.id

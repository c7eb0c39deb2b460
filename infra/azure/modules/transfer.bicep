// A small Azure Files share mounted only into the admin job, for the files that
// administrative commands read or write (reference data, member lists, subject access
// exports). PostgreSQL is reachable only inside the VNet, so these commands run there.
// Reachable from the Container Apps subnet and from the administrators' addresses only;
// HTTPS/SMB 3 with TLS 1.2. Files are removed by the administrator once used.

@description('Azure region.')
param location string

@description('Storage account name (globally unique, 3-24 lowercase letters and digits).')
param name string

@description('Tags applied to every resource.')
param tags object

@description('Public addresses (CIDR, or single addresses) allowed to reach the share. Empty: none.')
param allowedIpRanges array

@description('Subnet (with the Microsoft.Storage service endpoint) allowed to reach the share.')
param appsSubnetId string

@description('Log Analytics workspace for diagnostics.')
param workspaceId string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_ZRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // Container Apps mounts Azure Files (SMB) with the account key.
    allowSharedKeyAccess: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'None'
      // Storage IP rules take plain addresses or ranges without a /32 suffix.
      ipRules: [for range in allowedIpRanges: {
        value: replace(range, '/32', '')
        action: 'Allow'
      }]
      virtualNetworkRules: [
        {
          id: appsSubnetId
          action: 'Allow'
        }
      ]
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        file: {
          enabled: true
          keyType: 'Account'
        }
        blob: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

resource fileService 'Microsoft.Storage/storageAccounts/fileServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    protocolSettings: {
      smb: {
        versions: 'SMB3.0;SMB3.1.1'
        channelEncryption: 'AES-128-GCM;AES-256-GCM'
      }
    }
    shareDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource share 'Microsoft.Storage/storageAccounts/fileServices/shares@2023-05-01' = {
  parent: fileService
  name: 'transfer'
  properties: {
    shareQuota: 5
    enabledProtocols: 'SMB'
  }
}

resource fileDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: fileService
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

output accountName string = account.name
output shareName string = share.name

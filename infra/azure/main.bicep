// MACE Meetings bot on Azure: everything a council needs in one resource group.
//
//   az deployment group create -g <rg> -f infra/azure/main.bicep \
//     -p @infra/azure/main.parameters.json -p postgresAdminPassword=<from a password manager>
//
// Deploy twice (docs/deploy.md): first with deployApp=false (network, logs, Key Vault,
// PostgreSQL, registry, Container Apps environment, Azure Bot with its Teams channel), then
// put the secrets into Key Vault and push the image, then again with deployApp=true (the
// bot itself and its jobs, whose Key Vault references must resolve when they are created).
//
// Secure by default: UK region only; PostgreSQL with no public endpoint and TLS required;
// Key Vault with RBAC, soft delete, purge protection, private endpoint and a firewall;
// secrets only as Key Vault references read by a managed identity; HTTPS-only ingress; the
// metrics port internal to the environment; logs and diagnostics to Log Analytics.

targetScope = 'resourceGroup'

// ---------------------------------------------------------------- general

@description('Region for every regional resource. UK only: the records are about children in England.')
@allowed([
  'uksouth'
  'ukwest'
])
param location string = 'uksouth'

@description('Short prefix for resource names, e.g. mace-nyorks (lowercase letters, digits, hyphens).')
@minLength(3)
@maxLength(16)
param namePrefix string

@description('Tags applied to every resource.')
param tags object = {
  application: 'mace-bot'
  dataClassification: 'OFFICIAL-SENSITIVE'
}

@description('false: the platform only (first run). true: also the bot and its jobs, once Key Vault holds the secrets and the registry the image.')
param deployApp bool = false

// ---------------------------------------------------------------- bot registration

@description('Microsoft App ID: the client id of the single-tenant Entra app registration.')
param botAppId string

@description('Entra tenant of the app registration (default: this subscription\'s tenant).')
param botTenantId string = tenant().tenantId

@description('Name shown in Teams.')
param botDisplayName string = 'MACE Meetings'

@description('Where the Bot Service relay runs: global, or westeurope (EU).')
@allowed([
  'global'
  'westeurope'
])
param botLocation string = 'global'

@description('Azure Bot SKU: F0 covers the Teams channel.')
@allowed([
  'F0'
  'S1'
])
param botSku string = 'F0'

@description('Further Entra tenants whose activities are accepted (partner organisations); empty: the council tenant only.')
param allowedTenants array = []

@description('Teams app id (the id in the app package manifest), so the bot can install itself for a member; empty: no installing.')
param teamsAppId string = ''

@description('Use Microsoft Graph (needs the application permissions and admin consent in docs/deploy.md); false sets GRAPH=off.')
param graphEnabled bool = true

@description('GRAPH_TEAM_IDS: channel conversation id = team (Microsoft 365 group) id pairs, comma-separated.')
param graphTeamIds string = ''

// ---------------------------------------------------------------- access for administrators

@description('Public addresses (CIDR) of the administrators who set Key Vault secrets and use the transfer share. Empty: none (add yours for set-up, remove it after).')
param adminIpRanges array = []

@description('Object id of the administrator user or group given Key Vault Secrets Officer. Empty: assign it yourself.')
param secretsOfficerPrincipalId string = ''

@description('Type of secretsOfficerPrincipalId.')
@allowed([
  'User'
  'Group'
])
param secretsOfficerPrincipalType string = 'Group'

// ---------------------------------------------------------------- PostgreSQL

@description('PostgreSQL administrator login: owns the schema and runs migrations.')
param postgresAdminLogin string = 'maceowner'

@secure()
@description('PostgreSQL administrator password. Pass it on the command line or from a Key Vault reference in the parameters file; never commit it.')
param postgresAdminPassword string

@description('PostgreSQL major version.')
@allowed([
  '16'
  '17'
])
param postgresVersion string = '16'

@description('PostgreSQL compute SKU.')
param postgresSkuName string = 'Standard_D2ds_v5'

@description('PostgreSQL compute tier (high availability needs GeneralPurpose or MemoryOptimized).')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresSkuTier string = 'GeneralPurpose'

@description('PostgreSQL storage in GiB.')
param postgresStorageSizeGB int = 64

@description('PostgreSQL high availability: ZoneRedundant, SameZone or Disabled.')
@allowed([
  'ZoneRedundant'
  'SameZone'
  'Disabled'
])
param postgresHighAvailability string = 'ZoneRedundant'

@description('Geo-redundant PostgreSQL backups (to UK West). Only settable when the server is first created.')
param postgresGeoRedundantBackup bool = true

@description('Days of point-in-time PostgreSQL backups.')
@minValue(7)
@maxValue(35)
param postgresBackupRetentionDays int = 35

@description('Database the bot uses.')
param databaseName string = 'mace'

@description('PostgreSQL role the bot connects as (infra/postgres/app-role.sql).')
param databaseAppRole string = 'mace_app'

// ---------------------------------------------------------------- the app

@description('Image tag in this deployment\'s registry, e.g. 0.1.0.')
param imageTag string = '0.1.0'

@description('Container registry SKU.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param registrySku string = 'Standard'

@description('Replicas always running: two or more, on one PostgreSQL.')
@minValue(2)
param minReplicas int = 2

@description('Most replicas under load.')
@minValue(2)
param maxReplicas int = 4

@description('CPU cores per replica.')
param cpu string = '0.5'

@description('Memory per replica.')
param memory string = '1Gi'

@description('Spread the environment over availability zones.')
param zoneRedundant bool = true

@description('MACE_RETENTION, e.g. meetings=2190,actions=2190,subjects=2190,housekeeping=30; empty: those defaults.')
param retention string = ''

@description('LOG_LEVEL of the bot.')
@allowed([
  'DEBUG'
  'INFO'
  'WARNING'
  'ERROR'
])
param logLevel string = 'INFO'

@description('When the audit trail is checked (cron, UTC): Mondays 06:00 by default.')
param auditVerifySchedule string = '0 6 * * 1'

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 90

// ---------------------------------------------------------------- network

@description('VNet address space.')
param vnetAddressPrefix string = '10.60.0.0/16'

@description('Container Apps subnet.')
param appsSubnetPrefix string = '10.60.0.0/23'

@description('PostgreSQL subnet.')
param databaseSubnetPrefix string = '10.60.2.0/24'

@description('Private endpoint subnet.')
param privateEndpointSubnetPrefix string = '10.60.3.0/24'

// ---------------------------------------------------------------- names

var suffix = uniqueString(resourceGroup().id, namePrefix)
var compactPrefix = toLower(replace(namePrefix, '-', ''))
var keyVaultName = take('kv${compactPrefix}${suffix}', 24)
var registryName = take('acr${compactPrefix}${suffix}', 50)
var storageName = take('st${compactPrefix}${suffix}', 24)
var postgresServerName = toLower('${namePrefix}-pg-${take(suffix, 6)}')
var botName = toLower('${namePrefix}-bot-${take(suffix, 6)}')
var appName = '${namePrefix}-bot'

// ---------------------------------------------------------------- resources

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    namePrefix: namePrefix
    retentionInDays: logRetentionDays
    tags: tags
  }
}

module network 'modules/network.bicep' = {
  name: 'network'
  params: {
    location: location
    namePrefix: namePrefix
    addressPrefix: vnetAddressPrefix
    appsSubnetPrefix: appsSubnetPrefix
    databaseSubnetPrefix: databaseSubnetPrefix
    privateEndpointSubnetPrefix: privateEndpointSubnetPrefix
    tags: tags
  }
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-id'
  location: location
  tags: tags
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    name: keyVaultName
    tags: tags
    allowedIpRanges: adminIpRanges
    privateEndpointSubnetId: network.outputs.privateEndpointSubnetId
    vnetId: network.outputs.vnetId
    readerPrincipalId: identity.properties.principalId
    secretsOfficerPrincipalId: secretsOfficerPrincipalId
    secretsOfficerPrincipalType: secretsOfficerPrincipalType
    postgresAdminPassword: postgresAdminPassword
    workspaceId: monitoring.outputs.workspaceId
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    location: location
    serverName: postgresServerName
    tags: tags
    version: postgresVersion
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    storageSizeGB: postgresStorageSizeGB
    highAvailability: postgresHighAvailability
    geoRedundantBackup: postgresGeoRedundantBackup
    backupRetentionDays: postgresBackupRetentionDays
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    databaseName: databaseName
    delegatedSubnetId: network.outputs.databaseSubnetId
    vnetId: network.outputs.vnetId
    workspaceId: monitoring.outputs.workspaceId
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: {
    location: location
    name: registryName
    sku: registrySku
    tags: tags
    pullerPrincipalId: identity.properties.principalId
    workspaceId: monitoring.outputs.workspaceId
  }
}

module transfer 'modules/transfer.bicep' = {
  name: 'transfer'
  params: {
    location: location
    name: storageName
    tags: tags
    allowedIpRanges: adminIpRanges
    appsSubnetId: network.outputs.appsSubnetId
    workspaceId: monitoring.outputs.workspaceId
  }
}

module environment 'modules/environment.bicep' = {
  name: 'environment'
  params: {
    location: location
    namePrefix: namePrefix
    tags: tags
    appsSubnetId: network.outputs.appsSubnetId
    zoneRedundant: zoneRedundant
    workspaceName: monitoring.outputs.workspaceName
    transferAccountName: transfer.outputs.accountName
    transferShareName: transfer.outputs.shareName
  }
}

// The app's address is known before the app exists: <app name>.<environment domain>.
var publicHostName = '${appName}.${environment.outputs.defaultDomain}'

module bot 'modules/bot.bicep' = {
  name: 'bot'
  params: {
    name: botName
    location: botLocation
    displayName: botDisplayName
    appId: botAppId
    tenantId: botTenantId
    endpoint: 'https://${publicHostName}/api/messages'
    sku: botSku
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
  }
}

module app 'modules/app.bicep' = if (deployApp) {
  name: 'app'
  params: {
    location: location
    namePrefix: namePrefix
    tags: tags
    environmentId: environment.outputs.environmentId
    transferStorageName: environment.outputs.transferStorageName
    identityId: identity.id
    registryServer: registry.outputs.loginServer
    image: '${registry.outputs.loginServer}/mace-bot:${imageTag}'
    vaultUri: keyVault.outputs.vaultUri
    publicHostName: publicHostName
    botAppId: botAppId
    botTenantId: botTenantId
    allowedTenants: allowedTenants
    teamsAppId: teamsAppId
    graphEnabled: graphEnabled
    graphTeamIds: graphTeamIds
    databaseHost: postgres.outputs.fqdn
    databaseName: postgres.outputs.databaseName
    databaseOwner: postgresAdminLogin
    databaseAppRole: databaseAppRole
    minReplicas: minReplicas
    maxReplicas: maxReplicas
    cpu: cpu
    memory: memory
    retention: retention
    logLevel: logLevel
    auditVerifySchedule: auditVerifySchedule
    workspaceId: monitoring.outputs.workspaceId
  }
  // Using the keyVault and registry modules' outputs makes this wait for those modules,
  // role assignments (Key Vault Secrets User, AcrPull) included, before the app resolves
  // its secrets and pulls its image.
}

// ---------------------------------------------------------------- outputs (no secrets)

output keyVaultName string = keyVault.outputs.vaultName
output registryLoginServer string = registry.outputs.loginServer
output registryName string = registry.outputs.registryName
output postgresHost string = postgres.outputs.fqdn
output databaseName string = postgres.outputs.databaseName
output transferStorageAccount string = transfer.outputs.accountName
output publicBaseUrl string = 'https://${publicHostName}'
output messagingEndpoint string = bot.outputs.messagingEndpoint
output botResourceName string = bot.outputs.botName
output containerAppName string = appName
output dbSetupJobName string = '${namePrefix}-db-setup'
output adminJobName string = '${namePrefix}-admin'
output auditVerifyJobName string = '${namePrefix}-audit-verify'

// The bot on Azure Container Apps, and its jobs:
//   - the app: HTTPS-only public ingress on 3978 (/api/messages, /downloads), an internal
//     metrics port 9464 reachable only inside the environment, at least two replicas on one
//     PostgreSQL, liveness on /healthz, readiness on /readyz, secrets from Key Vault;
//   - db-setup (manual): as the schema owner, `mace-bot migrate`, then the grants of
//     infra/postgres/app-role.sql and the bot role's password: at install and every upgrade;
//   - admin (manual): any other `mace-bot` command, as the bot's role, with the transfer
//     share at /var/lib/mace/transfer for the files those commands read or write;
//   - audit-verify (scheduled): `mace-bot audit verify` weekly; a failed run is an alert.

@description('Azure region.')
param location string

@description('Prefix for resource names.')
param namePrefix string

@description('Tags applied to every resource.')
param tags object

@description('Container Apps environment.')
param environmentId string

@description('Name of the environment storage holding the transfer share.')
param transferStorageName string

@description('User-assigned identity that pulls the image and reads Key Vault.')
param identityId string

@description('Registry login server, e.g. myregistry.azurecr.io.')
param registryServer string

@description('Image reference, e.g. myregistry.azurecr.io/mace-bot:0.1.0.')
param image string

@description('Key Vault URI, ending in a slash.')
param vaultUri string

@description('Public host name people and Bot Framework reach the bot at.')
param publicHostName string

@description('Microsoft App ID of the bot (the Entra app registration client id).')
param botAppId string

@description('Entra tenant of the app registration.')
param botTenantId string

@description('Further tenants whose activities are accepted (empty: the bot tenant only).')
param allowedTenants array

@description('Teams app id (the manifest id) so the bot can install itself for a member; empty: no installing.')
param teamsAppId string

@description('Use Microsoft Graph (find people, list members, install the bot for a member): needs the Graph application permissions in docs/deploy.md.')
param graphEnabled bool

@description('GRAPH_TEAM_IDS: channel conversation id = team group id pairs, comma-separated; empty: none.')
param graphTeamIds string

@description('PostgreSQL server host name.')
param databaseHost string

@description('Database name.')
param databaseName string

@description('PostgreSQL administrator login (schema owner).')
param databaseOwner string

@description('PostgreSQL role the bot connects as (created by db-setup).')
param databaseAppRole string

@description('Replicas always running (two or more: the bot runs several instances on one PostgreSQL).')
@minValue(2)
param minReplicas int

@description('Most replicas under load.')
param maxReplicas int

@description('CPU cores per replica (Consumption pairs: 0.5 with 1Gi, 1.0 with 2Gi).')
param cpu string

@description('Memory per replica.')
param memory string

@description('MACE_RETENTION (empty: the built-in defaults).')
param retention string

@description('Log level.')
@allowed([
  'DEBUG'
  'INFO'
  'WARNING'
  'ERROR'
])
param logLevel string

@description('Cron (UTC) for the audit trail check.')
param auditVerifySchedule string

@description('Log Analytics workspace for diagnostics.')
param workspaceId string

var botPort = 3978
var metricsPort = 9464
var dataDir = '/var/lib/mace'

// Every secret is a Key Vault reference resolved with the managed identity: no value
// passes through this template.
var appSecrets = [
  {
    name: 'app-password'
    keyVaultUrl: '${vaultUri}secrets/app-password'
    identity: identityId
  }
  {
    name: 'database-url'
    keyVaultUrl: '${vaultUri}secrets/database-url'
    identity: identityId
  }
  {
    name: 'mace-data-keys'
    keyVaultUrl: '${vaultUri}secrets/mace-data-keys'
    identity: identityId
  }
]

var ownerSecrets = [
  {
    name: 'postgres-admin-password'
    keyVaultUrl: '${vaultUri}secrets/postgres-admin-password'
    identity: identityId
  }
  {
    name: 'database-app-password'
    keyVaultUrl: '${vaultUri}secrets/database-app-password'
    identity: identityId
  }
  {
    name: 'mace-data-keys'
    keyVaultUrl: '${vaultUri}secrets/mace-data-keys'
    identity: identityId
  }
]

// TLS to PostgreSQL, verified against the system CAs: asyncpg and libpq (psql, pg_dump)
// both read these.
var tlsEnv = [
  {
    name: 'PGSSLMODE'
    value: 'verify-full'
  }
  {
    name: 'PGSSLROOTCERT'
    value: '/etc/ssl/certs/ca-certificates.crt'
  }
]

var commonEnv = concat(tlsEnv, [
  {
    name: 'MACE_DATA_DIR'
    value: dataDir
  }
  {
    name: 'MACE_DATA_KEYS'
    secretRef: 'mace-data-keys'
  }
  {
    name: 'LOG_LEVEL'
    value: logLevel
  }
  {
    name: 'LOG_FORMAT'
    value: 'json'
  }
], empty(retention) ? [] : [
  {
    name: 'MACE_RETENTION'
    value: retention
  }
])

var botEnv = concat(commonEnv, [
  {
    name: 'APP_ID'
    value: botAppId
  }
  {
    name: 'APP_TENANTID'
    value: botTenantId
  }
  {
    name: 'APP_TYPE'
    value: 'SingleTenant'
  }
  {
    name: 'APP_PASSWORD'
    secretRef: 'app-password'
  }
  {
    name: 'DATABASE_URL'
    secretRef: 'database-url'
  }
  {
    name: 'PUBLIC_BASE_URL'
    value: 'https://${publicHostName}'
  }
  {
    name: 'PORT'
    value: string(botPort)
  }
  {
    name: 'METRICS_PORT'
    value: string(metricsPort)
  }
  {
    // The ingress appends the client's address to X-Forwarded-For: the pages' sign-in
    // limit counts per that address, not per the ingress (bot/web/limits.py).
    name: 'MACE_TRUST_FORWARDED_FOR'
    value: '1'
  }
  {
    // Teams allows about 50 requests/s per app and tenant in all: the replicas share
    // this one budget through PostgreSQL (bot/services/send_budget.py).
    name: 'OUTBOX_RATE'
    value: '50'
  }
], empty(allowedTenants) ? [] : [
  {
    name: 'ALLOWED_TENANTS'
    value: join(union([botTenantId], allowedTenants), ',')
  }
], empty(teamsAppId) ? [] : [
  {
    name: 'TEAMS_APP_ID'
    value: teamsAppId
  }
], graphEnabled ? [] : [
  {
    name: 'GRAPH'
    value: 'off'
  }
], empty(graphTeamIds) ? [] : [
  {
    name: 'GRAPH_TEAM_IDS'
    value: graphTeamIds
  }
])

var registries = [
  {
    server: registryServer
    identity: identityId
  }
]

var resources = {
  cpu: json(cpu)
  memory: memory
}

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: '${namePrefix}-bot'
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: botPort
        transport: 'http'
        // HTTP is redirected to HTTPS; TLS ends at the environment's ingress.
        allowInsecure: false
        traffic: [
          {
            latestRevision: true
            weight: 100
          }
        ]
        // Prometheus metrics: reachable only from inside the environment, never public.
        additionalPortMappings: [
          {
            external: false
            targetPort: metricsPort
            exposedPort: metricsPort
          }
        ]
      }
      registries: registries
      secrets: appSecrets
    }
    template: {
      containers: [
        {
          name: 'mace-bot'
          image: image
          args: [
            'serve'
            '--host'
            '0.0.0.0'
          ]
          env: botEnv
          resources: resources
          probes: [
            {
              // Start-up runs migrations (a no-op once db-setup has run): give it time.
              type: 'Startup'
              httpGet: {
                path: '/healthz'
                port: botPort
              }
              initialDelaySeconds: 5
              periodSeconds: 10
              timeoutSeconds: 5
              failureThreshold: 10
            }
            {
              type: 'Liveness'
              httpGet: {
                path: '/healthz'
                port: botPort
              }
              periodSeconds: 15
              timeoutSeconds: 5
              failureThreshold: 3
            }
            {
              // Not ready while the store is unreachable or its schema is behind this code.
              type: 'Readiness'
              httpGet: {
                path: '/readyz'
                port: botPort
              }
              periodSeconds: 10
              timeoutSeconds: 5
              failureThreshold: 3
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http'
            http: {
              metadata: {
                concurrentRequests: '50'
              }
            }
          }
        ]
      }
    }
  }
}

resource dbSetup 'Microsoft.App/jobs@2024-03-01' = {
  name: '${namePrefix}-db-setup'
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      triggerType: 'Manual'
      replicaTimeout: 1800
      replicaRetryLimit: 0
      manualTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
      }
      registries: registries
      secrets: ownerSecrets
    }
    template: {
      containers: [
        {
          name: 'db-setup'
          image: image
          command: [
            '/bin/sh'
            '/opt/mace/share/db-setup.sh'
          ]
          env: concat(commonEnv, [
            {
              name: 'PGHOST'
              value: databaseHost
            }
            {
              name: 'PGDATABASE'
              value: databaseName
            }
            {
              name: 'PGUSER'
              value: databaseOwner
            }
            {
              name: 'PGPASSWORD'
              secretRef: 'postgres-admin-password'
            }
            {
              name: 'MACE_APP_ROLE'
              value: databaseAppRole
            }
            {
              name: 'MACE_APP_DB_PASSWORD'
              secretRef: 'database-app-password'
            }
          ])
          resources: resources
        }
      ]
    }
  }
}

var adminEnv = concat(commonEnv, [
  {
    name: 'DATABASE_URL'
    secretRef: 'database-url'
  }
  {
    name: 'MACE_JOBS'
    value: 'off'
  }
])

resource admin 'Microsoft.App/jobs@2024-03-01' = {
  name: '${namePrefix}-admin'
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      triggerType: 'Manual'
      replicaTimeout: 3600
      replicaRetryLimit: 0
      manualTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
      }
      registries: registries
      secrets: appSecrets
    }
    template: {
      containers: [
        {
          name: 'admin'
          image: image
          // Set the command to run with `az containerapp job update --args ...`
          // (docs/deploy.md), then start the job.
          args: [
            'keys'
            'status'
          ]
          env: adminEnv
          resources: resources
          volumeMounts: [
            {
              volumeName: 'transfer'
              mountPath: '${dataDir}/transfer'
            }
          ]
        }
      ]
      volumes: [
        {
          name: 'transfer'
          storageType: 'AzureFile'
          storageName: transferStorageName
          // Owned by the image's user (uid 10001), private to it.
          mountOptions: 'uid=10001,gid=10001,dir_mode=0700,file_mode=0600'
        }
      ]
    }
  }
}

resource auditVerify 'Microsoft.App/jobs@2024-03-01' = {
  name: '${namePrefix}-audit-verify'
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      triggerType: 'Schedule'
      replicaTimeout: 3600
      replicaRetryLimit: 0
      scheduleTriggerConfig: {
        cronExpression: auditVerifySchedule
        parallelism: 1
        replicaCompletionCount: 1
      }
      registries: registries
      secrets: appSecrets
    }
    template: {
      containers: [
        {
          name: 'audit-verify'
          image: image
          args: [
            'audit'
            'verify'
          ]
          env: adminEnv
          resources: resources
        }
      ]
    }
  }
}

resource appDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: app
  properties: {
    workspaceId: workspaceId
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output appName string = app.name
output fqdn string = app.properties.configuration.ingress.fqdn
output dbSetupJobName string = dbSetup.name
output adminJobName string = admin.name
output auditVerifyJobName string = auditVerify.name

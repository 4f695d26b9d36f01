//! The static knowledge behind the generator: AWS services with their real CloudTrail
//! `eventSource` hosts and event names, how each fails, and the archetypes of principals
//! (what kind of identity does which calls, from where, with which client).

/// What kind of named resource a service's calls mostly act on (index into per-account pools).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Kind {
    Bucket,
    Instance,
    Role,
    User,
    KmsKey,
    Function,
    Table,
    Queue,
    Topic,
    LogGroup,
    Alarm,
    Repository,
    EcsCluster,
    EcsService,
    EksCluster,
    DbInstance,
    Secret,
    Parameter,
    Stack,
    Trail,
    ConfigRule,
    Detector,
    HostedZone,
    Distribution,
    LoadBalancer,
    TargetGroup,
    Asg,
    StateMachine,
    Rule,
    GlueDb,
    GlueTable,
    Workgroup,
    Stream,
    DeliveryStream,
    PermissionSet,
    CacheCluster,
    FileSystem,
    RestApi,
    Certificate,
    WebAcl,
    Analyzer,
    BackupVault,
    BuildProject,
    Pipeline,
    UserPool,
    Redshift,
    EsDomain,
    EmrCluster,
    SecurityGroup,
    Vpc,
    Subnet,
    Volume,
    Snapshot,
    Ami,
    Policy,
    Notebook,
    Api,
}

/// Number of [`Kind`] variants.
pub(super) const KINDS: usize = Kind::Api as usize + 1;

/// One AWS service as CloudTrail records it.
#[derive(Debug)]
pub(super) struct Service {
    /// Short key the archetypes use (`"s3"`).
    pub key: &'static str,
    /// `eventSource`.
    pub source: &'static str,
    /// aws-cli command group (`"s3api"`), also the SDK's service id in user agents.
    pub cli: &'static str,
    /// IAM action prefix (`"s3"` in `s3:GetObject`).
    pub iam: &'static str,
    /// Endpoint host: regional prefix (`"monitoring"` gives `monitoring.<region>.amazonaws.com`)
    /// or, for global services, the whole host.
    pub host: &'static str,
    /// Logged only in us-east-1 (IAM, Route 53, CloudFront, ...).
    pub global: bool,
    /// `errorCode` for a denied call.
    pub denied: &'static str,
    /// `errorCode` for throttling.
    pub throttled: &'static str,
    /// `errorCode` for a missing resource.
    pub not_found: &'static str,
    /// The request parameter that names the resource.
    pub id_key: &'static str,
    /// The kind of resource.
    pub kind: Kind,
    /// ARN template: `{r}` region, `{a}` account, `{n}` name, `{u}` a stable id from the name.
    pub arn: &'static str,
    /// Template for the id parameter's value (`{n}` for the plain name).
    pub id_fmt: &'static str,
    /// Space-separated real CloudTrail event names.
    pub names: &'static str,
}

macro_rules! svc {
    ($key:literal, $source:literal, $cli:literal, $iam:literal, $host:literal, $global:literal,
     [$denied:literal, $throttled:literal, $nf:literal], $id:literal, $kind:ident, $arn:literal, $idfmt:literal,
     $names:literal) => {
        Service {
            key: $key,
            source: $source,
            cli: $cli,
            iam: $iam,
            host: $host,
            global: $global,
            denied: $denied,
            throttled: $throttled,
            not_found: $nf,
            id_key: $id,
            kind: Kind::$kind,
            arn: $arn,
            id_fmt: $idfmt,
            names: $names,
        }
    };
}

/// Every service the generator knows, with real event names.
pub(super) static SERVICES: &[Service] = &[
    svc!(
        "s3",
        "s3.amazonaws.com",
        "s3api",
        "s3",
        "s3",
        false,
        ["AccessDenied", "SlowDown", "NoSuchKey"],
        "bucketName",
        Bucket,
        "arn:aws:s3:::{n}",
        "{n}",
        "GetObject PutObject HeadObject ListObjects GetBucketLocation ListBuckets DeleteObject DeleteObjects \
         CopyObject GetObjectTagging PutObjectTagging GetObjectAcl CreateMultipartUpload UploadPart \
         CompleteMultipartUpload AbortMultipartUpload ListObjectVersions GetObjectAttributes HeadBucket \
         GetBucketAcl GetBucketPolicy GetBucketPolicyStatus GetBucketVersioning GetBucketEncryption GetBucketLogging \
         GetBucketTagging GetBucketPublicAccessBlock GetBucketOwnershipControls GetBucketLifecycle \
         GetBucketNotification GetBucketCors GetBucketReplication GetBucketWebsite GetBucketObjectLockConfiguration \
         GetBucketRequestPayment GetAccelerateConfiguration PutBucketPolicy PutBucketTagging PutBucketVersioning \
         PutBucketEncryption PutBucketLifecycle PutBucketPublicAccessBlock PutBucketNotification CreateBucket \
         DeleteBucket DeleteBucketPolicy"
    ),
    svc!(
        "ec2",
        "ec2.amazonaws.com",
        "ec2",
        "ec2",
        "ec2",
        false,
        [
            "Client.UnauthorizedOperation",
            "Client.RequestLimitExceeded",
            "Client.InvalidInstanceID.NotFound"
        ],
        "instanceId",
        Instance,
        "arn:aws:ec2:{r}:{a}:instance/{n}",
        "{n}",
        "DescribeInstances DescribeInstanceStatus DescribeVolumes DescribeSnapshots DescribeImages \
         DescribeSecurityGroups DescribeSecurityGroupRules DescribeSubnets DescribeVpcs DescribeNetworkInterfaces \
         DescribeRouteTables DescribeInternetGateways DescribeNatGateways DescribeAddresses DescribeKeyPairs \
         DescribeLaunchTemplates DescribeLaunchTemplateVersions DescribeTags DescribeRegions \
         DescribeAvailabilityZones DescribeAccountAttributes DescribeInstanceTypes DescribeVpcEndpoints \
         DescribeNetworkAcls DescribeSpotPriceHistory DescribePrefixLists DescribeTransitGateways DescribeFlowLogs \
         DescribeInstanceAttribute DescribeVolumeStatus GetEbsEncryptionByDefault GetConsoleOutput \
         RunInstances StartInstances StopInstances TerminateInstances RebootInstances CreateTags DeleteTags \
         CreateSnapshot DeleteSnapshot CopySnapshot CreateVolume AttachVolume DetachVolume DeleteVolume ModifyVolume \
         ModifyInstanceAttribute AuthorizeSecurityGroupIngress RevokeSecurityGroupIngress \
         AuthorizeSecurityGroupEgress CreateSecurityGroup DeleteSecurityGroup CreateLaunchTemplateVersion \
         CreateNetworkInterface DeleteNetworkInterface AllocateAddress AssociateAddress CreateImage \
         CreateKeyPair ImportKeyPair"
    ),
    svc!(
        "iam",
        "iam.amazonaws.com",
        "iam",
        "iam",
        "iam.amazonaws.com",
        true,
        ["AccessDenied", "Throttling", "NoSuchEntityException"],
        "roleName",
        Role,
        "arn:aws:iam::{a}:role/{n}",
        "{n}",
        "ListRoles GetRole ListUsers GetUser ListPolicies GetPolicy GetPolicyVersion ListAttachedRolePolicies \
         ListRolePolicies GetRolePolicy ListAttachedUserPolicies ListUserPolicies ListGroups ListGroupsForUser \
         ListAccessKeys GetAccessKeyLastUsed ListMFADevices ListVirtualMFADevices ListInstanceProfiles \
         ListInstanceProfilesForRole GetAccountSummary ListAccountAliases GetAccountPasswordPolicy \
         GenerateCredentialReport GetCredentialReport ListServerCertificates ListOpenIDConnectProviders \
         ListSAMLProviders ListEntitiesForPolicy GetLoginProfile SimulatePrincipalPolicy ListRoleTags \
         GetAccountAuthorizationDetails CreateRole DeleteRole AttachRolePolicy DetachRolePolicy PutRolePolicy \
         DeleteRolePolicy CreatePolicy CreatePolicyVersion DeletePolicyVersion UpdateAssumeRolePolicy TagRole \
         CreateUser CreateAccessKey UpdateAccessKey DeleteAccessKey AddUserToGroup CreateServiceLinkedRole \
         CreateInstanceProfile AddRoleToInstanceProfile"
    ),
    svc!(
        "sts",
        "sts.amazonaws.com",
        "sts",
        "sts",
        "sts",
        false,
        ["AccessDenied", "Throttling", "ValidationError"],
        "roleArn",
        Role,
        "arn:aws:iam::{a}:role/{n}",
        "arn:aws:iam::{a}:role/{n}",
        "AssumeRole GetCallerIdentity GetSessionToken DecodeAuthorizationMessage GetAccessKeyInfo"
    ),
    svc!(
        "kms",
        "kms.amazonaws.com",
        "kms",
        "kms",
        "kms",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "NotFoundException"
        ],
        "keyId",
        KmsKey,
        "arn:aws:kms:{r}:{a}:key/{n}",
        "arn:aws:kms:{r}:{a}:key/{n}",
        "Decrypt Encrypt GenerateDataKey GenerateDataKeyWithoutPlaintext ReEncrypt DescribeKey ListKeys \
         ListAliases GetKeyPolicy GetKeyRotationStatus ListResourceTags ListKeyPolicies CreateKey CreateAlias \
         ScheduleKeyDeletion EnableKeyRotation PutKeyPolicy CreateGrant RetireGrant ListGrants Sign Verify \
         GetPublicKey TagResource RotateKey"
    ),
    svc!(
        "lambda",
        "lambda.amazonaws.com",
        "lambda",
        "lambda",
        "lambda",
        false,
        [
            "AccessDeniedException",
            "TooManyRequestsException",
            "ResourceNotFoundException"
        ],
        "functionName",
        Function,
        "arn:aws:lambda:{r}:{a}:function:{n}",
        "{n}",
        "Invoke GetFunction20150331v2 ListFunctions20150331 UpdateFunctionCode20150331v2 \
         UpdateFunctionConfiguration20150331v2 GetFunctionConfiguration20150331v2 CreateFunction20150331 \
         DeleteFunction20150331 ListVersionsByFunction20150331 PublishVersion20150331 GetPolicy20150331v2 \
         AddPermission20150331v2 RemovePermission20150331v2 ListEventSourceMappings20150331 \
         CreateEventSourceMapping20150331 GetEventSourceMapping20150331 GetAccountSettings20160819 \
         ListTags20170331 TagResource20170331v2 ListAliases20150331 GetAlias20150331 UpdateAlias20150331 \
         PutFunctionConcurrency20171031 ListLayers20181031 ListLayerVersions20181031 GetLayerVersion20181031 \
         PublishLayerVersion20181031 GetFunctionCodeSigningConfig ListFunctionUrlConfigs"
    ),
    svc!(
        "dynamodb",
        "dynamodb.amazonaws.com",
        "dynamodb",
        "dynamodb",
        "dynamodb",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "ResourceNotFoundException"
        ],
        "tableName",
        Table,
        "arn:aws:dynamodb:{r}:{a}:table/{n}",
        "{n}",
        "GetItem PutItem UpdateItem DeleteItem Query Scan BatchGetItem BatchWriteItem TransactWriteItems \
         TransactGetItems DescribeTable ListTables CreateTable UpdateTable DeleteTable DescribeTimeToLive \
         UpdateTimeToLive DescribeContinuousBackups ListTagsOfResource TagResource DescribeLimits CreateBackup \
         ListBackups DescribeEndpoints"
    ),
    svc!(
        "sqs",
        "sqs.amazonaws.com",
        "sqs",
        "sqs",
        "sqs",
        false,
        [
            "AccessDenied",
            "RequestThrottled",
            "AWS.SimpleQueueService.NonExistentQueue"
        ],
        "queueUrl",
        Queue,
        "arn:aws:sqs:{r}:{a}:{n}",
        "https://sqs.{r}.amazonaws.com/{a}/{n}",
        "SendMessage ReceiveMessage DeleteMessage SendMessageBatch DeleteMessageBatch ChangeMessageVisibility \
         GetQueueUrl GetQueueAttributes ListQueues CreateQueue SetQueueAttributes DeleteQueue PurgeQueue \
         ListQueueTags TagQueue ListDeadLetterSourceQueues"
    ),
    svc!(
        "sns",
        "sns.amazonaws.com",
        "sns",
        "sns",
        "sns",
        false,
        ["AuthorizationError", "Throttling", "NotFound"],
        "topicArn",
        Topic,
        "arn:aws:sns:{r}:{a}:{n}",
        "arn:aws:sns:{r}:{a}:{n}",
        "Publish PublishBatch ListTopics GetTopicAttributes ListSubscriptions ListSubscriptionsByTopic \
         CreateTopic Subscribe Unsubscribe SetTopicAttributes DeleteTopic ListTagsForResource \
         GetSubscriptionAttributes ConfirmSubscription"
    ),
    svc!(
        "logs",
        "logs.amazonaws.com",
        "logs",
        "logs",
        "logs",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "ResourceNotFoundException"
        ],
        "logGroupName",
        LogGroup,
        "arn:aws:logs:{r}:{a}:log-group:{n}",
        "{n}",
        "CreateLogStream DescribeLogGroups DescribeLogStreams FilterLogEvents GetLogEvents StartQuery \
         GetQueryResults StopQuery DescribeQueries CreateLogGroup PutRetentionPolicy DeleteLogGroup \
         PutSubscriptionFilter DescribeSubscriptionFilters DescribeMetricFilters PutMetricFilter ListTagsLogGroup \
         ListTagsForResource TagLogGroup GetLogGroupFields DescribeDestinations DescribeResourcePolicies"
    ),
    svc!(
        "monitoring",
        "monitoring.amazonaws.com",
        "cloudwatch",
        "cloudwatch",
        "monitoring",
        false,
        ["AccessDenied", "Throttling", "ResourceNotFound"],
        "alarmName",
        Alarm,
        "arn:aws:cloudwatch:{r}:{a}:alarm:{n}",
        "{n}",
        "GetMetricData GetMetricStatistics ListMetrics DescribeAlarms DescribeAlarmHistory PutMetricAlarm \
         DeleteAlarms PutDashboard GetDashboard ListDashboards SetAlarmState DescribeAlarmsForMetric \
         EnableAlarmActions DisableAlarmActions ListTagsForResource DescribeAnomalyDetectors GetMetricWidgetImage \
         PutCompositeAlarm"
    ),
    svc!(
        "ecr",
        "ecr.amazonaws.com",
        "ecr",
        "ecr",
        "api.ecr",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "RepositoryNotFoundException"
        ],
        "repositoryName",
        Repository,
        "arn:aws:ecr:{r}:{a}:repository/{n}",
        "{n}",
        "GetAuthorizationToken BatchGetImage GetDownloadUrlForLayer BatchCheckLayerAvailability \
         InitiateLayerUpload UploadLayerPart CompleteLayerUpload PutImage DescribeRepositories DescribeImages \
         ListImages CreateRepository DeleteRepository SetRepositoryPolicy GetRepositoryPolicy PutLifecyclePolicy \
         GetLifecyclePolicy DescribeImageScanFindings BatchDeleteImage ListTagsForResource \
         DescribeRegistry GetRegistryScanningConfiguration"
    ),
    svc!(
        "ecs",
        "ecs.amazonaws.com",
        "ecs",
        "ecs",
        "ecs",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "ClusterNotFoundException"
        ],
        "cluster",
        EcsCluster,
        "arn:aws:ecs:{r}:{a}:cluster/{n}",
        "{n}",
        "DescribeClusters ListClusters DescribeServices ListServices DescribeTasks ListTasks \
         DescribeTaskDefinition ListTaskDefinitions ListTaskDefinitionFamilies RegisterTaskDefinition \
         DeregisterTaskDefinition UpdateService CreateService DeleteService RunTask StopTask \
         DescribeContainerInstances ListContainerInstances SubmitTaskStateChange SubmitContainerStateChange \
         ListTagsForResource TagResource ExecuteCommand DescribeCapacityProviders ListAccountSettings"
    ),
    svc!(
        "eks",
        "eks.amazonaws.com",
        "eks",
        "eks",
        "eks",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "ResourceNotFoundException"
        ],
        "name",
        EksCluster,
        "arn:aws:eks:{r}:{a}:cluster/{n}",
        "{n}",
        "DescribeCluster ListClusters ListNodegroups DescribeNodegroup ListAddons DescribeAddon \
         DescribeAddonVersions UpdateNodegroupConfig UpdateNodegroupVersion CreateNodegroup ListFargateProfiles \
         ListUpdates DescribeUpdate ListIdentityProviderConfigs ListAccessEntries DescribeAccessEntry \
         ListPodIdentityAssociations UpdateClusterConfig ListTagsForResource"
    ),
    svc!(
        "rds",
        "rds.amazonaws.com",
        "rds",
        "rds",
        "rds",
        false,
        ["AccessDenied", "Throttling", "DBInstanceNotFound"],
        "dBInstanceIdentifier",
        DbInstance,
        "arn:aws:rds:{r}:{a}:db:{n}",
        "{n}",
        "DescribeDBInstances DescribeDBClusters DescribeDBSnapshots DescribeDBClusterSnapshots \
         DescribeDBSubnetGroups DescribeDBParameterGroups DescribeDBParameters DescribeDBClusterParameterGroups \
         DescribeDBEngineVersions DescribeEvents DescribePendingMaintenanceActions DescribeDBLogFiles \
         DescribeOrderableDBInstanceOptions DescribeDBProxies DescribeCertificates DescribeAccountAttributes \
         ListTagsForResource CreateDBSnapshot CreateDBClusterSnapshot DeleteDBSnapshot ModifyDBInstance \
         ModifyDBCluster RebootDBInstance StartDBInstance StopDBInstance AddTagsToResource \
         CreateDBInstanceReadReplica"
    ),
    svc!(
        "secretsmanager",
        "secretsmanager.amazonaws.com",
        "secretsmanager",
        "secretsmanager",
        "secretsmanager",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "ResourceNotFoundException"
        ],
        "secretId",
        Secret,
        "arn:aws:secretsmanager:{r}:{a}:secret:{n}",
        "arn:aws:secretsmanager:{r}:{a}:secret:{n}",
        "GetSecretValue DescribeSecret ListSecrets PutSecretValue CreateSecret UpdateSecret DeleteSecret \
         RotateSecret GetResourcePolicy ListSecretVersionIds TagResource BatchGetSecretValue GetRandomPassword \
         UpdateSecretVersionStage RotationStarted RotationSucceeded"
    ),
    svc!(
        "ssm",
        "ssm.amazonaws.com",
        "ssm",
        "ssm",
        "ssm",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "ParameterNotFound"
        ],
        "name",
        Parameter,
        "arn:aws:ssm:{r}:{a}:parameter{n}",
        "{n}",
        "GetParameter GetParameters GetParametersByPath PutParameter DeleteParameter DescribeParameters \
         GetParameterHistory DescribeInstanceInformation UpdateInstanceInformation ListInstanceAssociations \
         UpdateInstanceAssociationStatus PutInventory PutComplianceItems GetDeployablePatchSnapshotForInstance \
         DescribeInstancePatchStates SendCommand GetCommandInvocation ListCommands ListCommandInvocations \
         StartSession TerminateSession ResumeSession DescribeSessions ListAssociations DescribeAssociation \
         GetDocument ListDocuments DescribeDocument GetInventory ListTagsForResource AddTagsToResource \
         GetConnectionStatus DescribeAutomationExecutions StartAutomationExecution"
    ),
    svc!(
        "cloudformation",
        "cloudformation.amazonaws.com",
        "cloudformation",
        "cloudformation",
        "cloudformation",
        false,
        ["AccessDenied", "Throttling", "ValidationError"],
        "stackName",
        Stack,
        "arn:aws:cloudformation:{r}:{a}:stack/{n}/{u}",
        "{n}",
        "DescribeStacks ListStacks DescribeStackEvents DescribeStackResources DescribeStackResource \
         ListStackResources GetTemplate GetTemplateSummary ValidateTemplate CreateStack UpdateStack DeleteStack \
         CreateChangeSet DescribeChangeSet ExecuteChangeSet DeleteChangeSet ListChangeSets ListExports \
         ListImports ListStackSets DescribeStackSet ListStackInstances DescribeType ListTypes \
         DetectStackDrift DescribeStackDriftDetectionStatus DescribeStackResourceDrifts"
    ),
    svc!(
        "cloudtrail",
        "cloudtrail.amazonaws.com",
        "cloudtrail",
        "cloudtrail",
        "cloudtrail",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "TrailNotFoundException"
        ],
        "name",
        Trail,
        "arn:aws:cloudtrail:{r}:{a}:trail/{n}",
        "{n}",
        "DescribeTrails GetTrailStatus LookupEvents GetEventSelectors ListTrails GetTrail GetInsightSelectors \
         ListTags ListEventDataStores StartLogging StopLogging UpdateTrail PutEventSelectors CreateTrail \
         AddTags"
    ),
    svc!(
        "config",
        "config.amazonaws.com",
        "configservice",
        "config",
        "config",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "NoSuchConfigRuleException"
        ],
        "configRuleName",
        ConfigRule,
        "arn:aws:config:{r}:{a}:config-rule/{n}",
        "{n}",
        "DescribeConfigurationRecorders DescribeConfigurationRecorderStatus DescribeDeliveryChannels \
         DescribeConfigRules DescribeComplianceByConfigRule DescribeComplianceByResource \
         GetComplianceDetailsByConfigRule GetComplianceSummaryByConfigRule PutEvaluations PutConfigRule \
         DescribeConfigRuleEvaluationStatus GetResourceConfigHistory ListDiscoveredResources \
         SelectResourceConfig DescribeConformancePacks StartConfigRulesEvaluation BatchGetResourceConfig \
         DeliverConfigSnapshot DescribeAggregationAuthorizations"
    ),
    svc!(
        "guardduty",
        "guardduty.amazonaws.com",
        "guardduty",
        "guardduty",
        "guardduty",
        false,
        [
            "AccessDeniedException",
            "TooManyRequestsException",
            "BadRequestException"
        ],
        "detectorId",
        Detector,
        "arn:aws:guardduty:{r}:{a}:detector/{n}",
        "{n}",
        "ListDetectors GetDetector ListFindings GetFindings GetFindingsStatistics ArchiveFindings \
         UpdateDetector ListFilters GetFilter GetMasterAccount GetAdministratorAccount ListMembers \
         ListPublishingDestinations DescribeMalwareScans ListIPSets ListThreatIntelSets GetUsageStatistics"
    ),
    svc!(
        "route53",
        "route53.amazonaws.com",
        "route53",
        "route53",
        "route53.amazonaws.com",
        true,
        ["AccessDenied", "Throttling", "NoSuchHostedZone"],
        "hostedZoneId",
        HostedZone,
        "arn:aws:route53:::hostedzone/{n}",
        "{n}",
        "ListHostedZones GetHostedZone ListResourceRecordSets ChangeResourceRecordSets GetChange \
         ListHealthChecks GetHealthCheck GetHealthCheckStatus ListHostedZonesByName ListTagsForResource \
         CreateHostedZone GetHostedZoneCount ListQueryLoggingConfigs GetDNSSEC ChangeTagsForResource"
    ),
    svc!(
        "cloudfront",
        "cloudfront.amazonaws.com",
        "cloudfront",
        "cloudfront",
        "cloudfront.amazonaws.com",
        true,
        ["AccessDenied", "Throttling", "NoSuchDistribution"],
        "id",
        Distribution,
        "arn:aws:cloudfront::{a}:distribution/{n}",
        "{n}",
        "ListDistributions GetDistribution GetDistributionConfig UpdateDistribution CreateInvalidation \
         ListInvalidations GetInvalidation ListCachePolicies GetCachePolicy ListOriginAccessControls \
         ListOriginRequestPolicies ListResponseHeadersPolicies ListTagsForResource ListFunctions \
         DescribeFunction CreateDistribution"
    ),
    svc!(
        "elasticloadbalancing",
        "elasticloadbalancing.amazonaws.com",
        "elbv2",
        "elasticloadbalancing",
        "elasticloadbalancing",
        false,
        ["AccessDenied", "Throttling", "LoadBalancerNotFound"],
        "loadBalancerArn",
        LoadBalancer,
        "arn:aws:elasticloadbalancing:{r}:{a}:loadbalancer/{n}",
        "arn:aws:elasticloadbalancing:{r}:{a}:loadbalancer/{n}",
        "DescribeLoadBalancers DescribeTargetGroups DescribeTargetHealth DescribeListeners DescribeRules \
         DescribeLoadBalancerAttributes DescribeTargetGroupAttributes DescribeTags DescribeSSLPolicies \
         DescribeListenerCertificates DescribeAccountLimits RegisterTargets DeregisterTargets ModifyTargetGroup \
         ModifyTargetGroupAttributes ModifyListener ModifyRule CreateTargetGroup CreateRule DeleteRule \
         AddTags CreateLoadBalancer ModifyLoadBalancerAttributes"
    ),
    svc!(
        "autoscaling",
        "autoscaling.amazonaws.com",
        "autoscaling",
        "autoscaling",
        "autoscaling",
        false,
        ["AccessDenied", "Throttling", "ValidationError"],
        "autoScalingGroupName",
        Asg,
        "arn:aws:autoscaling:{r}:{a}:autoScalingGroup:{u}:autoScalingGroupName/{n}",
        "{n}",
        "DescribeAutoScalingGroups DescribeAutoScalingInstances DescribeLaunchConfigurations \
         DescribeScalingActivities DescribePolicies DescribeLifecycleHooks DescribeScheduledActions DescribeTags \
         DescribeWarmPool DescribeInstanceRefreshes DescribeAccountLimits DescribeNotificationConfigurations \
         UpdateAutoScalingGroup SetDesiredCapacity CompleteLifecycleAction RecordLifecycleActionHeartbeat \
         PutScalingPolicy TerminateInstanceInAutoScalingGroup StartInstanceRefresh CreateOrUpdateTags \
         SetInstanceHealth"
    ),
    svc!(
        "states",
        "states.amazonaws.com",
        "stepfunctions",
        "states",
        "states",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "StateMachineDoesNotExist"
        ],
        "stateMachineArn",
        StateMachine,
        "arn:aws:states:{r}:{a}:stateMachine:{n}",
        "arn:aws:states:{r}:{a}:stateMachine:{n}",
        "StartExecution DescribeExecution ListExecutions GetExecutionHistory StopExecution ListStateMachines \
         DescribeStateMachine UpdateStateMachine CreateStateMachine SendTaskSuccess SendTaskFailure \
         SendTaskHeartbeat ListTagsForResource DescribeStateMachineForExecution StartSyncExecution \
         ListActivities"
    ),
    svc!(
        "events",
        "events.amazonaws.com",
        "events",
        "events",
        "events",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "ResourceNotFoundException"
        ],
        "name",
        Rule,
        "arn:aws:events:{r}:{a}:rule/{n}",
        "{n}",
        "ListRules DescribeRule PutRule PutTargets ListTargetsByRule RemoveTargets DeleteRule EnableRule \
         DisableRule ListEventBuses DescribeEventBus ListTagsForResource ListArchives ListConnections \
         ListApiDestinations ListRuleNamesByTarget"
    ),
    svc!(
        "glue",
        "glue.amazonaws.com",
        "glue",
        "glue",
        "glue",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "EntityNotFoundException"
        ],
        "databaseName",
        GlueDb,
        "arn:aws:glue:{r}:{a}:database/{n}",
        "{n}",
        "GetTable GetDatabase GetPartitions GetTables GetDatabases GetPartition BatchGetPartition \
         BatchCreatePartition CreateTable UpdateTable DeleteTable CreatePartition UpdatePartition GetCrawler \
         GetCrawlers StartCrawler GetCrawlerMetrics GetJob GetJobs StartJobRun GetJobRun GetJobRuns \
         GetConnection GetConnections GetUserDefinedFunctions SearchTables GetTableVersions GetDataCatalogEncryptionSettings \
         GetSecurityConfigurations GetTags"
    ),
    svc!(
        "athena",
        "athena.amazonaws.com",
        "athena",
        "athena",
        "athena",
        false,
        [
            "AccessDeniedException",
            "TooManyRequestsException",
            "InvalidRequestException"
        ],
        "workGroup",
        Workgroup,
        "arn:aws:athena:{r}:{a}:workgroup/{n}",
        "{n}",
        "StartQueryExecution GetQueryExecution GetQueryResults StopQueryExecution ListQueryExecutions \
         BatchGetQueryExecution GetWorkGroup ListWorkGroups ListDataCatalogs GetDataCatalog ListDatabases \
         GetDatabase GetTableMetadata ListTableMetadata ListNamedQueries GetNamedQuery CreateNamedQuery \
         GetQueryRuntimeStatistics ListEngineVersions ListPreparedStatements"
    ),
    svc!(
        "kinesis",
        "kinesis.amazonaws.com",
        "kinesis",
        "kinesis",
        "kinesis",
        false,
        [
            "AccessDeniedException",
            "LimitExceededException",
            "ResourceNotFoundException"
        ],
        "streamName",
        Stream,
        "arn:aws:kinesis:{r}:{a}:stream/{n}",
        "{n}",
        "PutRecord PutRecords GetRecords GetShardIterator DescribeStream DescribeStreamSummary ListStreams \
         ListShards CreateStream DeleteStream IncreaseStreamRetentionPeriod ListTagsForStream AddTagsToStream \
         RegisterStreamConsumer DescribeStreamConsumer ListStreamConsumers UpdateShardCount \
         EnableEnhancedMonitoring StartStreamEncryption"
    ),
    svc!(
        "firehose",
        "firehose.amazonaws.com",
        "firehose",
        "firehose",
        "firehose",
        false,
        [
            "AccessDeniedException",
            "LimitExceededException",
            "ResourceNotFoundException"
        ],
        "deliveryStreamName",
        DeliveryStream,
        "arn:aws:firehose:{r}:{a}:deliverystream/{n}",
        "{n}",
        "DescribeDeliveryStream ListDeliveryStreams CreateDeliveryStream UpdateDestination DeleteDeliveryStream \
         ListTagsForDeliveryStream TagDeliveryStream StartDeliveryStreamEncryption"
    ),
    svc!(
        "organizations",
        "organizations.amazonaws.com",
        "organizations",
        "organizations",
        "organizations.us-east-1.amazonaws.com",
        true,
        [
            "AccessDeniedException",
            "TooManyRequestsException",
            "AccountNotFoundException"
        ],
        "accountId",
        User,
        "arn:aws:organizations::{a}:account/o-{u}/{n}",
        "{n}",
        "DescribeOrganization ListAccounts DescribeAccount ListRoots ListOrganizationalUnitsForParent \
         ListChildren ListPolicies DescribePolicy ListPoliciesForTarget ListTargetsForPolicy \
         ListAWSServiceAccessForOrganization ListDelegatedAdministrators ListTagsForResource ListParents \
         DescribeOrganizationalUnit ListAccountsForParent DescribeEffectivePolicy ListHandshakesForAccount"
    ),
    svc!(
        "sso",
        "sso.amazonaws.com",
        "sso-admin",
        "sso",
        "sso.us-east-1.amazonaws.com",
        true,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "ResourceNotFoundException"
        ],
        "permissionSetArn",
        PermissionSet,
        "arn:aws:sso:::permissionSet/ssoins-{u}/{n}",
        "arn:aws:sso:::permissionSet/ssoins-{u}/{n}",
        "ListInstances ListPermissionSets DescribePermissionSet ListAccountAssignments CreateAccountAssignment \
         ProvisionPermissionSet ListAccountsForProvisionedPermissionSet DescribePermissionSetProvisioningStatus \
         ListManagedPoliciesInPermissionSet GetInlinePolicyForPermissionSet ListPermissionSetsProvisionedToAccount \
         ListTagsForResource"
    ),
    svc!(
        "signin",
        "signin.amazonaws.com",
        "signin",
        "signin",
        "signin.aws.amazon.com",
        true,
        ["AccessDenied", "Throttling", "ValidationError"],
        "",
        User,
        "arn:aws:iam::{a}:user/{n}",
        "{n}",
        "ConsoleLogin CheckMfa SwitchRole ExitRole GetSigninToken"
    ),
    svc!(
        "elasticache",
        "elasticache.amazonaws.com",
        "elasticache",
        "elasticache",
        "elasticache",
        false,
        ["AccessDenied", "Throttling", "CacheClusterNotFound"],
        "cacheClusterId",
        CacheCluster,
        "arn:aws:elasticache:{r}:{a}:cluster:{n}",
        "{n}",
        "DescribeCacheClusters DescribeReplicationGroups DescribeCacheSubnetGroups DescribeCacheParameterGroups \
         DescribeEvents ListTagsForResource DescribeSnapshots CreateSnapshot ModifyReplicationGroup \
         DescribeServerlessCaches DescribeUpdateActions DescribeReservedCacheNodes"
    ),
    svc!(
        "efs",
        "elasticfilesystem.amazonaws.com",
        "efs",
        "elasticfilesystem",
        "elasticfilesystem",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "FileSystemNotFound"
        ],
        "fileSystemId",
        FileSystem,
        "arn:aws:elasticfilesystem:{r}:{a}:file-system/{n}",
        "{n}",
        "DescribeFileSystems DescribeMountTargets DescribeAccessPoints DescribeFileSystemPolicy \
         DescribeLifecycleConfiguration DescribeBackupPolicy DescribeMountTargetSecurityGroups CreateAccessPoint \
         ListTagsForResource PutLifecycleConfiguration"
    ),
    svc!(
        "apigateway",
        "apigateway.amazonaws.com",
        "apigateway",
        "apigateway",
        "apigateway",
        false,
        [
            "AccessDeniedException",
            "TooManyRequestsException",
            "NotFoundException"
        ],
        "restApiId",
        RestApi,
        "arn:aws:apigateway:{r}::/restapis/{n}",
        "{n}",
        "GetRestApis GetRestApi GetResources GetStages GetStage GetDeployments CreateDeployment GetApiKeys \
         GetUsagePlans UpdateStage GetDomainNames GetAuthorizers GetApis GetIntegrations GetRoutes \
         GetBasePathMappings GetMethod"
    ),
    svc!(
        "acm",
        "acm.amazonaws.com",
        "acm",
        "acm",
        "acm",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "ResourceNotFoundException"
        ],
        "certificateArn",
        Certificate,
        "arn:aws:acm:{r}:{a}:certificate/{n}",
        "arn:aws:acm:{r}:{a}:certificate/{n}",
        "ListCertificates DescribeCertificate GetCertificate RequestCertificate ListTagsForCertificate \
         DeleteCertificate AddTagsToCertificate GetAccountConfiguration"
    ),
    svc!(
        "wafv2",
        "wafv2.amazonaws.com",
        "wafv2",
        "wafv2",
        "wafv2",
        false,
        [
            "AccessDeniedException",
            "WAFLimitsExceededException",
            "WAFNonexistentItemException"
        ],
        "name",
        WebAcl,
        "arn:aws:wafv2:{r}:{a}:regional/webacl/{n}/{u}",
        "{n}",
        "ListWebACLs GetWebACL GetWebACLForResource UpdateWebACL ListIPSets GetIPSet UpdateIPSet ListRuleGroups \
         GetLoggingConfiguration ListResourcesForWebACL ListTagsForResource ListLoggingConfigurations \
         CheckCapacity GetManagedRuleSet"
    ),
    svc!(
        "securityhub",
        "securityhub.amazonaws.com",
        "securityhub",
        "securityhub",
        "securityhub",
        false,
        [
            "AccessDeniedException",
            "TooManyRequestsException",
            "ResourceNotFoundException"
        ],
        "hubArn",
        Detector,
        "arn:aws:securityhub:{r}:{a}:hub/default",
        "arn:aws:securityhub:{r}:{a}:hub/default",
        "GetFindings BatchImportFindings BatchUpdateFindings DescribeHub GetEnabledStandards \
         DescribeStandardsControls GetInsights GetInsightResults DescribeProducts ListEnabledProductsForImport \
         GetFindingAggregator ListSecurityControlDefinitions"
    ),
    svc!(
        "tagging",
        "tagging.amazonaws.com",
        "resourcegroupstaggingapi",
        "tag",
        "tagging",
        false,
        [
            "AccessDeniedException",
            "ThrottledException",
            "InvalidParameterException"
        ],
        "resourceARNList",
        Bucket,
        "arn:aws:s3:::{n}",
        "arn:aws:s3:::{n}",
        "GetResources GetTagKeys GetTagValues TagResources UntagResources GetComplianceSummary"
    ),
    svc!(
        "ce",
        "ce.amazonaws.com",
        "ce",
        "ce",
        "ce.us-east-1.amazonaws.com",
        true,
        [
            "AccessDeniedException",
            "LimitExceededException",
            "DataUnavailableException"
        ],
        "",
        Api,
        "arn:aws:ce::{a}:anomalymonitor/{u}",
        "{n}",
        "GetCostAndUsage GetCostForecast GetDimensionValues GetReservationUtilization \
         GetSavingsPlansUtilization GetRightsizingRecommendation GetAnomalies GetCostAndUsageWithResources \
         GetTags GetCostCategories"
    ),
    svc!(
        "health",
        "health.amazonaws.com",
        "health",
        "health",
        "health.us-east-1.amazonaws.com",
        true,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "UnsupportedLocale"
        ],
        "",
        Api,
        "arn:aws:health:us-east-1::event/{n}",
        "{n}",
        "DescribeEvents DescribeEventDetails DescribeAffectedEntities DescribeEventAggregates \
         DescribeEntityAggregates DescribeEventTypes"
    ),
    svc!(
        "access-analyzer",
        "access-analyzer.amazonaws.com",
        "accessanalyzer",
        "access-analyzer",
        "access-analyzer",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "ResourceNotFoundException"
        ],
        "analyzerArn",
        Analyzer,
        "arn:aws:access-analyzer:{r}:{a}:analyzer/{n}",
        "arn:aws:access-analyzer:{r}:{a}:analyzer/{n}",
        "ListAnalyzers ListFindings GetFinding ValidatePolicy GetAnalyzer StartResourceScan ListArchiveRules \
         ListAnalyzedResources"
    ),
    svc!(
        "servicequotas",
        "servicequotas.amazonaws.com",
        "service-quotas",
        "servicequotas",
        "servicequotas",
        false,
        [
            "AccessDeniedException",
            "TooManyRequestsException",
            "NoSuchResourceException"
        ],
        "serviceCode",
        Api,
        "arn:aws:servicequotas:{r}:{a}:{n}",
        "{n}",
        "GetServiceQuota ListServiceQuotas GetAWSDefaultServiceQuota ListServices RequestServiceQuotaIncrease \
         ListRequestedServiceQuotaChangeHistory"
    ),
    svc!(
        "backup",
        "backup.amazonaws.com",
        "backup",
        "backup",
        "backup",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "ResourceNotFoundException"
        ],
        "backupVaultName",
        BackupVault,
        "arn:aws:backup:{r}:{a}:backup-vault:{n}",
        "{n}",
        "ListBackupJobs DescribeBackupJob StartBackupJob ListBackupPlans GetBackupPlan ListBackupVaults \
         ListRecoveryPointsByBackupVault DescribeRecoveryPoint ListProtectedResources DescribeBackupVault \
         ListCopyJobs GetBackupVaultAccessPolicy"
    ),
    svc!(
        "codebuild",
        "codebuild.amazonaws.com",
        "codebuild",
        "codebuild",
        "codebuild",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "ResourceNotFoundException"
        ],
        "projectName",
        BuildProject,
        "arn:aws:codebuild:{r}:{a}:project/{n}",
        "{n}",
        "StartBuild BatchGetBuilds BatchGetProjects ListBuilds ListBuildsForProject ListProjects UpdateProject \
         StopBuild BatchGetReportGroups ListReportGroups"
    ),
    svc!(
        "codepipeline",
        "codepipeline.amazonaws.com",
        "codepipeline",
        "codepipeline",
        "codepipeline",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "PipelineNotFoundException"
        ],
        "name",
        Pipeline,
        "arn:aws:codepipeline:{r}:{a}:{n}",
        "{n}",
        "GetPipeline GetPipelineState GetPipelineExecution ListPipelineExecutions ListPipelines \
         StartPipelineExecution PutJobSuccessResult PollForJobs ListActionExecutions PutApprovalResult \
         AcknowledgeJob"
    ),
    svc!(
        "xray",
        "xray.amazonaws.com",
        "xray",
        "xray",
        "xray",
        false,
        [
            "AccessDeniedException",
            "ThrottledException",
            "InvalidRequestException"
        ],
        "groupName",
        Api,
        "arn:aws:xray:{r}:{a}:group/{n}/{u}",
        "{n}",
        "GetSamplingTargets GetSamplingRules GetServiceGraph GetTraceSummaries BatchGetTraces GetGroups \
         GetTimeSeriesServiceStatistics GetInsightSummaries GetTraceGraph"
    ),
    svc!(
        "cognito-idp",
        "cognito-idp.amazonaws.com",
        "cognito-idp",
        "cognito-idp",
        "cognito-idp",
        false,
        [
            "NotAuthorizedException",
            "TooManyRequestsException",
            "ResourceNotFoundException"
        ],
        "userPoolId",
        UserPool,
        "arn:aws:cognito-idp:{r}:{a}:userpool/{n}",
        "{n}",
        "ListUserPools DescribeUserPool DescribeUserPoolClient ListUserPoolClients AdminGetUser ListUsers \
         AdminCreateUser AdminUpdateUserAttributes AdminDisableUser ListGroups GetUserPoolMfaConfig"
    ),
    svc!(
        "redshift",
        "redshift.amazonaws.com",
        "redshift",
        "redshift",
        "redshift",
        false,
        ["AccessDenied", "Throttling", "ClusterNotFound"],
        "clusterIdentifier",
        Redshift,
        "arn:aws:redshift:{r}:{a}:cluster:{n}",
        "{n}",
        "DescribeClusters DescribeClusterSnapshots DescribeLoggingStatus GetClusterCredentials DescribeEvents \
         DescribeClusterParameters DescribeClusterSubnetGroups DescribeTags CreateClusterSnapshot \
         ModifyCluster PauseCluster ResumeCluster"
    ),
    svc!(
        "es",
        "es.amazonaws.com",
        "opensearch",
        "es",
        "es",
        false,
        [
            "AccessDeniedException",
            "LimitExceededException",
            "ResourceNotFoundException"
        ],
        "domainName",
        EsDomain,
        "arn:aws:es:{r}:{a}:domain/{n}",
        "{n}",
        "ListDomainNames DescribeDomain DescribeDomains DescribeDomainConfig ListTags UpdateDomainConfig \
         GetCompatibleVersions DescribeDomainChangeProgress ListVersions"
    ),
    svc!(
        "emr",
        "elasticmapreduce.amazonaws.com",
        "emr",
        "elasticmapreduce",
        "elasticmapreduce",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "InvalidRequestException"
        ],
        "clusterId",
        EmrCluster,
        "arn:aws:elasticmapreduce:{r}:{a}:cluster/{n}",
        "{n}",
        "ListClusters DescribeCluster ListSteps ListInstances AddJobFlowSteps RunJobFlow TerminateJobFlows \
         ListInstanceGroups DescribeStep ListBootstrapActions GetBlockPublicAccessConfiguration"
    ),
    svc!(
        "sagemaker",
        "sagemaker.amazonaws.com",
        "sagemaker",
        "sagemaker",
        "api.sagemaker",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "ResourceNotFound"
        ],
        "notebookInstanceName",
        Notebook,
        "arn:aws:sagemaker:{r}:{a}:notebook-instance/{n}",
        "{n}",
        "ListNotebookInstances DescribeNotebookInstance ListTrainingJobs DescribeTrainingJob CreateTrainingJob \
         ListEndpoints DescribeEndpoint ListModels DescribeModel ListDomains ListUserProfiles \
         CreatePresignedNotebookInstanceUrl StartNotebookInstance StopNotebookInstance"
    ),
    svc!(
        "ses",
        "ses.amazonaws.com",
        "sesv2",
        "ses",
        "email",
        false,
        ["AccessDenied", "Throttling", "NotFoundException"],
        "emailIdentity",
        Api,
        "arn:aws:ses:{r}:{a}:identity/{n}",
        "{n}",
        "ListIdentities GetIdentityVerificationAttributes GetSendQuota GetIdentityDkimAttributes \
         ListConfigurationSets VerifyDomainIdentity GetAccount ListEmailIdentities GetEmailIdentity \
         GetSendStatistics"
    ),
    svc!(
        "ram",
        "ram.amazonaws.com",
        "ram",
        "ram",
        "ram",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "UnknownResourceException"
        ],
        "resourceShareArns",
        Api,
        "arn:aws:ram:{r}:{a}:resource-share/{u}",
        "{n}",
        "GetResourceShares GetResourceShareAssociations ListResources ListPrincipals \
         GetResourceShareInvitations ListPermissions"
    ),
    svc!(
        "inspector2",
        "inspector2.amazonaws.com",
        "inspector2",
        "inspector2",
        "inspector2",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "ResourceNotFoundException"
        ],
        "resourceId",
        Api,
        "arn:aws:inspector2:{r}:{a}:owner/{a}/{n}",
        "{n}",
        "ListFindings ListCoverage BatchGetAccountStatus ListFindingAggregations ListCoverageStatistics \
         GetConfiguration ListUsageTotals"
    ),
    svc!(
        "support",
        "support.amazonaws.com",
        "support",
        "support",
        "support.us-east-1.amazonaws.com",
        true,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "CaseIdNotFound"
        ],
        "caseId",
        Api,
        "arn:aws:support::{a}:case/{n}",
        "{n}",
        "DescribeTrustedAdvisorChecks DescribeTrustedAdvisorCheckResult DescribeTrustedAdvisorCheckSummaries \
         DescribeCases CreateCase DescribeCommunications DescribeServices DescribeSeverityLevels"
    ),
    svc!(
        "ec2-instance-connect",
        "ec2-instance-connect.amazonaws.com",
        "ec2-instance-connect",
        "ec2-instance-connect",
        "ec2-instance-connect",
        false,
        [
            "AccessDeniedException",
            "ThrottlingException",
            "EC2InstanceNotFoundException"
        ],
        "instanceId",
        Instance,
        "arn:aws:ec2:{r}:{a}:instance/{n}",
        "{n}",
        "SendSSHPublicKey SendSerialConsoleSSHPublicKey"
    ),
    svc!(
        "application-autoscaling",
        "application-autoscaling.amazonaws.com",
        "application-autoscaling",
        "application-autoscaling",
        "application-autoscaling",
        false,
        [
            "AccessDeniedException",
            "ConcurrentUpdateException",
            "ObjectNotFoundException"
        ],
        "resourceId",
        EcsService,
        "arn:aws:application-autoscaling:{r}:{a}:scalable-target/{u}",
        "service/{n}",
        "DescribeScalableTargets DescribeScalingPolicies RegisterScalableTarget PutScalingPolicy \
         DescribeScalingActivities DescribeScheduledActions"
    ),
];

/// One (eventSource, eventName) pair with what CloudTrail says about it.
#[derive(Debug, Clone)]
pub(super) struct Call {
    /// Index into [`SERVICES`].
    pub svc: u16,
    /// `eventName`.
    pub name: &'static str,
    /// `readOnly`.
    pub read_only: bool,
    /// A data event (`eventCategory: "Data"`, `managementEvent: false`).
    pub data: bool,
    /// `eventVersion` this call is usually logged with.
    pub version: &'static str,
}

impl Call {
    /// The service of this call.
    pub(super) fn service(&self) -> &'static Service {
        &SERVICES[self.svc as usize]
    }
}

const DATA_EVENTS: &[(&str, &str)] = &[
    (
        "s3",
        "GetObject PutObject HeadObject DeleteObject DeleteObjects CopyObject ListObjects ListObjectVersions \
            GetObjectTagging PutObjectTagging GetObjectAcl CreateMultipartUpload UploadPart CompleteMultipartUpload \
            AbortMultipartUpload GetObjectAttributes",
    ),
    ("lambda", "Invoke"),
    (
        "dynamodb",
        "GetItem PutItem UpdateItem DeleteItem Query Scan BatchGetItem BatchWriteItem \
                  TransactWriteItems TransactGetItems",
    ),
    (
        "sqs",
        "SendMessage ReceiveMessage DeleteMessage SendMessageBatch DeleteMessageBatch ChangeMessageVisibility",
    ),
    ("sns", "Publish PublishBatch"),
    (
        "kinesis",
        "PutRecord PutRecords GetRecords GetShardIterator",
    ),
];

fn is_data_event(svc: &str, name: &str) -> bool {
    DATA_EVENTS
        .iter()
        .any(|(s, names)| *s == svc && names.split_ascii_whitespace().any(|n| n == name))
}

fn is_read_only(svc: &str, name: &str) -> bool {
    const READ_PREFIXES: &[&str] = &[
        "Get",
        "List",
        "Describe",
        "Head",
        "Lookup",
        "Search",
        "BatchGet",
        "Query",
        "Scan",
        "Select",
        "Validate",
        "Filter",
        "Check",
        "Decrypt",
        "Encrypt",
        "GenerateDataKey",
        "Sign",
        "Verify",
        "ReEncrypt",
        "Simulate",
        "Decode",
        "Poll",
        "AssumeRole",
        "Receive",
        "BatchCheck",
        "Generate",
    ];
    if matches!(
        (svc, name),
        ("iam", "GenerateCredentialReport") | ("signin", _) | ("kms", "RotateKey")
    ) {
        return false;
    }
    READ_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Flattens [`SERVICES`] into the list of calls, in a fixed order.
pub(super) fn calls() -> Vec<Call> {
    const VERSIONS: [&str; 4] = ["1.08", "1.09", "1.10", "1.11"];
    let mut out = Vec::new();
    for (si, s) in SERVICES.iter().enumerate() {
        for (ni, name) in s.names.split_ascii_whitespace().enumerate() {
            let data = is_data_event(s.key, name);
            // Data events are logged with the newer versions; management events spread.
            let version = if data {
                VERSIONS[2 + (si + ni) % 2]
            } else {
                VERSIONS[(si * 7 + ni * 3) % 4]
            };
            out.push(Call {
                svc: si as u16,
                name,
                read_only: is_read_only(s.key, name),
                data,
                version,
            });
        }
    }
    out
}

/// Which identity type a principal has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum PType {
    /// `IAMUser`.
    User,
    /// `AssumedRole`.
    Role,
    /// `AWSService`.
    Service,
    /// `Root`.
    Root,
}

impl PType {
    /// The `userIdentity.type` string.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            PType::User => "IAMUser",
            PType::Role => "AssumedRole",
            PType::Service => "AWSService",
            PType::Root => "Root",
        }
    }
}

/// The client software a principal uses, which shapes `userAgent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ua {
    /// aws-cli v2 with the command in the agent.
    Cli,
    /// Boto3 on EC2/ECS.
    Boto3,
    /// Boto3 inside Lambda.
    Boto3Lambda,
    /// AWS SDK for JavaScript v3 inside Lambda.
    JsLambda,
    /// AWS SDK for Java v2.
    Java,
    /// AWS SDK for Go v2.
    GoV2,
    /// Terraform's AWS provider.
    Terraform,
    /// The AWS console (browser or `AWS Internal`).
    Console,
    /// An older Go SDK (monitoring integrations).
    GoV1,
    /// The service itself (`autoscaling.amazonaws.com`).
    Service,
}

/// Where a principal's calls come from, which shapes `sourceIPAddress` and `vpcEndpointId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Net {
    /// A few fixed public addresses (offices, homes, a NAT).
    Office,
    /// Inside a VPC: NAT address, or a private address through an interface endpoint.
    Vpc,
    /// Lambda's shared public addresses, changing often.
    AwsPublic,
    /// GitHub-hosted runners: a new address per run.
    GitHub,
    /// A SaaS integration's fixed addresses.
    Saas,
    /// The calling service's host name (`autoscaling.amazonaws.com`).
    Service,
}

/// How assumed-role sessions are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Session {
    /// `i-0123456789abcdef0` (EC2 instance profile).
    Instance,
    /// The Lambda function's name.
    Function,
    /// ECS task id (32 hex).
    Task,
    /// `GitHubActions-<run>`.
    GitHub,
    /// A person's email (IAM Identity Center).
    Email,
    /// `botocore-session-<epoch>`.
    Botocore,
    /// `aws-go-sdk-<epoch ms>` (Terraform and Go tools).
    GoSdk,
    /// A fixed name.
    Fixed(&'static str),
    /// Not a role.
    None,
}

/// A kind of principal: identity type, habits and typical calls.
#[derive(Debug)]
pub(super) struct Archetype {
    /// Name for debugging.
    pub label: &'static str,
    /// Identity type.
    pub ptype: PType,
    /// The calls it makes most, most frequent first (`"s3:GetObject"`).
    pub core: &'static [&'static str],
    /// Services whose other calls make up its long tail.
    pub tail: &'static [&'static str],
    /// How many tail calls (min, max).
    pub tail_n: (u64, u64),
    /// Share of tail calls that must be read-only.
    pub tail_read: f64,
    /// Clients it uses (one is chosen per principal, the first more often).
    pub ua: &'static [Ua],
    /// Where it calls from.
    pub net: Net,
    /// Session naming (roles).
    pub session: Session,
    /// Relative activity.
    pub weight: f64,
    /// Baseline error probability per call.
    pub error_rate: f64,
}

const BROAD_READ: &[&str] = &[
    "ec2",
    "iam",
    "s3",
    "lambda",
    "logs",
    "monitoring",
    "cloudformation",
    "rds",
    "dynamodb",
    "ecs",
    "ecr",
    "sqs",
    "sns",
    "kms",
    "ssm",
    "secretsmanager",
    "elasticloadbalancing",
    "autoscaling",
    "route53",
    "cloudfront",
    "cloudtrail",
    "config",
    "guardduty",
    "eks",
    "states",
    "events",
    "glue",
    "athena",
    "kinesis",
    "firehose",
    "elasticache",
    "efs",
    "apigateway",
    "acm",
    "wafv2",
    "securityhub",
    "tagging",
    "ce",
    "health",
    "access-analyzer",
    "servicequotas",
    "backup",
    "codebuild",
    "codepipeline",
    "xray",
    "cognito-idp",
    "redshift",
    "es",
    "emr",
    "sagemaker",
    "ses",
    "ram",
    "inspector2",
    "support",
    "application-autoscaling",
    "organizations",
    "sso",
];

/// Every archetype; [`crate::synth`] picks a mix of these per account.
pub(super) static ARCHETYPES: &[Archetype] = &[
    // 0: developer using the CLI and SDK scripts with long-term keys.
    Archetype {
        label: "user-dev-cli",
        ptype: PType::User,
        core: &[
            "sts:GetCallerIdentity",
            "ec2:DescribeInstances",
            "logs:FilterLogEvents",
            "s3:ListBuckets",
            "s3:ListObjects",
            "cloudformation:DescribeStacks",
            "lambda:ListFunctions20150331",
            "ecr:GetAuthorizationToken",
            "s3:GetObject",
            "logs:DescribeLogGroups",
            "ssm:GetParameter",
            "s3:PutObject",
            "dynamodb:Scan",
        ],
        tail: &[
            "ec2",
            "s3",
            "lambda",
            "logs",
            "dynamodb",
            "cloudformation",
            "ecs",
            "rds",
            "sqs",
            "sns",
            "ssm",
            "secretsmanager",
            "monitoring",
            "kms",
            "athena",
            "glue",
            "iam",
            "sts",
            "ecr",
            "states",
            "ec2-instance-connect",
            "eks",
        ],
        tail_n: (10, 40),
        tail_read: 0.8,
        ua: &[Ua::Cli, Ua::Boto3, Ua::Terraform],
        net: Net::Office,
        session: Session::None,
        weight: 1.0,
        error_rate: 0.03,
    },
    // 1: console user (password + MFA) browsing.
    Archetype {
        label: "user-console",
        ptype: PType::User,
        core: &[
            "signin:ConsoleLogin",
            "ec2:DescribeInstances",
            "monitoring:GetMetricData",
            "logs:DescribeLogGroups",
            "s3:ListBuckets",
            "cloudtrail:LookupEvents",
            "health:DescribeEventAggregates",
            "ce:GetCostAndUsage",
            "iam:ListRoles",
            "lambda:ListFunctions20150331",
            "monitoring:DescribeAlarms",
            "servicequotas:ListServiceQuotas",
            "rds:DescribeDBInstances",
            "s3:GetBucketLocation",
        ],
        tail: BROAD_READ,
        tail_n: (15, 50),
        tail_read: 0.9,
        ua: &[Ua::Console],
        net: Net::Office,
        session: Session::None,
        weight: 0.6,
        error_rate: 0.04,
    },
    // 2: legacy service user (backups, Jenkins, uploads) with a narrow job.
    Archetype {
        label: "user-service",
        ptype: PType::User,
        core: &[
            "ec2:DescribeSnapshots",
            "s3:PutObject",
            "ec2:CreateSnapshot",
            "ec2:DescribeVolumes",
            "s3:ListObjects",
            "ec2:CreateTags",
            "s3:GetBucketLocation",
            "ec2:DeleteSnapshot",
            "s3:GetObject",
            "s3:HeadObject",
            "s3:DeleteObject",
        ],
        tail: &["s3", "ec2", "ecr", "sts"],
        tail_n: (1, 6),
        tail_read: 0.5,
        ua: &[Ua::Java, Ua::GoV2, Ua::Boto3, Ua::Cli],
        net: Net::Office,
        session: Session::None,
        weight: 0.7,
        error_rate: 0.02,
    },
    // 3: administrator working on IAM and the organization.
    Archetype {
        label: "user-admin",
        ptype: PType::User,
        core: &[
            "iam:ListRoles",
            "iam:GetRole",
            "iam:ListUsers",
            "iam:ListAttachedRolePolicies",
            "iam:ListPolicies",
            "iam:GetPolicyVersion",
            "sts:AssumeRole",
            "organizations:ListAccounts",
            "iam:GetAccountSummary",
            "iam:ListAccessKeys",
            "iam:GetAccessKeyLastUsed",
            "iam:ListMFADevices",
        ],
        tail: &[
            "iam",
            "organizations",
            "sso",
            "cloudtrail",
            "config",
            "guardduty",
            "kms",
            "sts",
            "access-analyzer",
            "securityhub",
        ],
        tail_n: (8, 30),
        tail_read: 0.75,
        ua: &[Ua::Cli, Ua::Terraform, Ua::Console],
        net: Net::Office,
        session: Session::None,
        weight: 0.5,
        error_rate: 0.03,
    },
    // 4: EC2 instance profile for an application.
    Archetype {
        label: "role-ec2-app",
        ptype: PType::Role,
        core: &[
            "kms:Decrypt",
            "ssm:UpdateInstanceInformation",
            "s3:GetObject",
            "secretsmanager:GetSecretValue",
            "ssm:ListInstanceAssociations",
            "sqs:ReceiveMessage",
            "xray:GetSamplingTargets",
            "s3:PutObject",
            "dynamodb:GetItem",
            "sqs:DeleteMessage",
            "ec2:DescribeTags",
            "dynamodb:Query",
            "s3:HeadObject",
            "xray:GetSamplingRules",
            "sts:GetCallerIdentity",
            "logs:CreateLogStream",
            "ssm:GetParameters",
            "kms:GenerateDataKey",
        ],
        tail: &[
            "s3",
            "dynamodb",
            "sqs",
            "sns",
            "kms",
            "ssm",
            "ec2",
            "logs",
            "autoscaling",
        ],
        tail_n: (2, 10),
        tail_read: 0.6,
        ua: &[Ua::Java, Ua::Boto3, Ua::GoV2],
        net: Net::Vpc,
        session: Session::Instance,
        weight: 3.0,
        error_rate: 0.02,
    },
    // 5: Lambda execution role.
    Archetype {
        label: "role-lambda",
        ptype: PType::Role,
        core: &[
            "logs:CreateLogStream",
            "dynamodb:GetItem",
            "kms:Decrypt",
            "secretsmanager:GetSecretValue",
            "dynamodb:Query",
            "ssm:GetParameter",
            "dynamodb:PutItem",
            "s3:GetObject",
            "sqs:SendMessage",
            "sns:Publish",
            "dynamodb:UpdateItem",
            "s3:PutObject",
            "dynamodb:BatchWriteItem",
            "lambda:Invoke",
            "states:StartExecution",
        ],
        tail: &[
            "lambda", "dynamodb", "s3", "sqs", "sns", "kms", "states", "events", "kinesis", "ssm",
        ],
        tail_n: (1, 8),
        tail_read: 0.5,
        ua: &[Ua::Boto3Lambda, Ua::JsLambda],
        net: Net::AwsPublic,
        session: Session::Function,
        weight: 2.5,
        error_rate: 0.02,
    },
    // 6: ECS task role.
    Archetype {
        label: "role-ecs-task",
        ptype: PType::Role,
        core: &[
            "secretsmanager:GetSecretValue",
            "s3:GetObject",
            "kms:Decrypt",
            "ssm:GetParameters",
            "dynamodb:Query",
            "sqs:ReceiveMessage",
            "dynamodb:PutItem",
            "sqs:DeleteMessage",
            "s3:PutObject",
            "sns:Publish",
            "kinesis:PutRecords",
            "sqs:SendMessage",
            "ecs:ExecuteCommand",
        ],
        tail: &[
            "s3",
            "dynamodb",
            "sqs",
            "secretsmanager",
            "kms",
            "ssm",
            "kinesis",
            "firehose",
            "sns",
        ],
        tail_n: (1, 8),
        tail_read: 0.6,
        ua: &[Ua::GoV2, Ua::Java, Ua::Boto3],
        net: Net::Vpc,
        session: Session::Task,
        weight: 2.5,
        error_rate: 0.02,
    },
    // 7: GitHub Actions deploy role (OIDC).
    Archetype {
        label: "role-github-ci",
        ptype: PType::Role,
        core: &[
            "sts:GetCallerIdentity",
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:UploadLayerPart",
            "ecr:InitiateLayerUpload",
            "ecr:CompleteLayerUpload",
            "ecr:PutImage",
            "ecs:DescribeServices",
            "ecs:DescribeTaskDefinition",
            "ecs:RegisterTaskDefinition",
            "ecs:UpdateService",
            "s3:PutObject",
            "cloudformation:DescribeStacks",
            "cloudformation:DescribeStackEvents",
            "lambda:UpdateFunctionCode20150331v2",
            "lambda:GetFunctionConfiguration20150331v2",
            "cloudformation:CreateChangeSet",
            "cloudformation:DescribeChangeSet",
            "cloudformation:ExecuteChangeSet",
            "cloudfront:CreateInvalidation",
            "ssm:GetParameter",
        ],
        tail: &[
            "cloudformation",
            "s3",
            "ecr",
            "ecs",
            "lambda",
            "iam",
            "cloudfront",
            "ssm",
            "sts",
        ],
        tail_n: (2, 12),
        tail_read: 0.5,
        ua: &[Ua::Cli, Ua::GoV2],
        net: Net::GitHub,
        session: Session::GitHub,
        weight: 0.8,
        error_rate: 0.03,
    },
    // 8: IAM Identity Center administrator (people, console and CLI).
    Archetype {
        label: "role-sso-admin",
        ptype: PType::Role,
        core: &[
            "ec2:DescribeInstances",
            "monitoring:GetMetricData",
            "logs:FilterLogEvents",
            "cloudformation:DescribeStacks",
            "s3:ListBuckets",
            "iam:ListRoles",
            "logs:DescribeLogGroups",
            "ec2:DescribeSecurityGroups",
            "cloudtrail:LookupEvents",
            "lambda:ListFunctions20150331",
            "rds:DescribeDBInstances",
            "ecs:ListClusters",
            "sts:GetCallerIdentity",
            "s3:ListObjects",
            "logs:StartQuery",
            "logs:GetQueryResults",
        ],
        tail: BROAD_READ,
        tail_n: (20, 60),
        tail_read: 0.8,
        ua: &[Ua::Console, Ua::Cli],
        net: Net::Office,
        session: Session::Email,
        weight: 1.2,
        error_rate: 0.03,
    },
    // 9: IAM Identity Center read-only (people poking around, many denials).
    Archetype {
        label: "role-sso-readonly",
        ptype: PType::Role,
        core: &[
            "ec2:DescribeInstances",
            "s3:ListBuckets",
            "monitoring:DescribeAlarms",
            "monitoring:GetMetricData",
            "logs:DescribeLogGroups",
            "logs:FilterLogEvents",
            "ce:GetCostAndUsage",
            "dynamodb:ListTables",
            "health:DescribeEvents",
        ],
        tail: BROAD_READ,
        tail_n: (10, 40),
        tail_read: 0.97,
        ua: &[Ua::Console, Ua::Cli],
        net: Net::Office,
        session: Session::Email,
        weight: 0.7,
        error_rate: 0.08,
    },
    // 10: Terraform runs: wide refreshes of many resources, some writes.
    Archetype {
        label: "role-terraform",
        ptype: PType::Role,
        core: &[
            "sts:GetCallerIdentity",
            "ec2:DescribeVpcs",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
            "iam:GetRole",
            "iam:ListAttachedRolePolicies",
            "iam:ListRolePolicies",
            "s3:GetBucketAcl",
            "s3:GetBucketPolicy",
            "s3:GetBucketVersioning",
            "s3:GetBucketEncryption",
            "s3:GetBucketTagging",
            "s3:GetBucketLogging",
            "s3:GetBucketLifecycle",
            "s3:GetBucketPublicAccessBlock",
            "s3:GetBucketOwnershipControls",
            "s3:GetBucketCors",
            "s3:GetBucketWebsite",
            "s3:GetBucketReplication",
            "s3:GetBucketRequestPayment",
            "s3:GetAccelerateConfiguration",
            "s3:GetBucketObjectLockConfiguration",
            "kms:DescribeKey",
            "kms:GetKeyPolicy",
            "kms:GetKeyRotationStatus",
            "kms:ListResourceTags",
            "lambda:GetFunction20150331v2",
            "lambda:GetPolicy20150331v2",
            "lambda:ListVersionsByFunction20150331",
            "iam:GetPolicy",
            "iam:GetPolicyVersion",
            "ec2:DescribeRouteTables",
            "ec2:DescribeNetworkAcls",
            "dynamodb:DescribeTable",
            "dynamodb:DescribeContinuousBackups",
            "dynamodb:DescribeTimeToLive",
            "dynamodb:ListTagsOfResource",
            "sqs:GetQueueAttributes",
            "sqs:ListQueueTags",
            "sns:GetTopicAttributes",
            "logs:DescribeLogGroups",
            "logs:ListTagsForResource",
            "route53:GetHostedZone",
            "route53:ListResourceRecordSets",
            "ec2:DescribeInstances",
            "ec2:DescribeLaunchTemplateVersions",
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeTargetGroups",
            "ecs:DescribeServices",
            "ecs:DescribeClusters",
        ],
        tail: &[
            "ec2",
            "iam",
            "s3",
            "kms",
            "lambda",
            "dynamodb",
            "sqs",
            "sns",
            "logs",
            "route53",
            "cloudfront",
            "elasticloadbalancing",
            "ecs",
            "ecr",
            "rds",
            "autoscaling",
            "events",
            "acm",
            "wafv2",
            "secretsmanager",
            "ssm",
            "states",
            "apigateway",
            "monitoring",
        ],
        tail_n: (10, 40),
        tail_read: 0.5,
        ua: &[Ua::Terraform],
        net: Net::Vpc,
        session: Session::GoSdk,
        weight: 0.9,
        error_rate: 0.03,
    },
    // 11: SaaS monitoring integration (Datadog-style) polling everything.
    Archetype {
        label: "role-monitoring",
        ptype: PType::Role,
        core: &[
            "monitoring:GetMetricData",
            "monitoring:ListMetrics",
            "tagging:GetResources",
            "ec2:DescribeInstances",
            "ec2:DescribeInstanceStatus",
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeTags",
            "rds:DescribeDBInstances",
            "rds:ListTagsForResource",
            "autoscaling:DescribeAutoScalingGroups",
            "lambda:ListFunctions20150331",
            "lambda:ListTags20170331",
            "ec2:DescribeVolumes",
            "sqs:ListQueues",
            "sns:ListTopics",
            "dynamodb:ListTables",
            "dynamodb:DescribeTable",
            "ecs:ListClusters",
            "ecs:DescribeClusters",
            "elasticache:DescribeCacheClusters",
            "es:ListDomainNames",
            "kinesis:ListStreams",
            "cloudfront:ListDistributions",
            "s3:ListBuckets",
            "health:DescribeEvents",
            "ec2:DescribeSecurityGroups",
            "monitoring:DescribeAlarms",
            "logs:DescribeLogGroups",
            "states:ListStateMachines",
            "apigateway:GetRestApis",
        ],
        tail: &[
            "ec2",
            "elasticloadbalancing",
            "rds",
            "autoscaling",
            "lambda",
            "sqs",
            "sns",
            "dynamodb",
            "ecs",
            "elasticache",
            "es",
            "kinesis",
            "firehose",
            "cloudfront",
            "redshift",
            "emr",
            "efs",
            "apigateway",
            "states",
            "backup",
            "monitoring",
            "xray",
        ],
        tail_n: (10, 30),
        tail_read: 1.0,
        ua: &[Ua::GoV1],
        net: Net::Saas,
        session: Session::Fixed("DatadogAWSIntegration"),
        weight: 2.0,
        error_rate: 0.025,
    },
    // 12: security audit scanner (Prowler-style) over every service.
    Archetype {
        label: "role-security-audit",
        ptype: PType::Role,
        core: &[
            "iam:GetAccountAuthorizationDetails",
            "iam:GenerateCredentialReport",
            "iam:GetCredentialReport",
            "s3:GetBucketPolicy",
            "s3:GetBucketAcl",
            "s3:GetBucketEncryption",
            "s3:GetBucketPublicAccessBlock",
            "s3:GetBucketLogging",
            "s3:GetBucketVersioning",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeVpcs",
            "ec2:DescribeFlowLogs",
            "ec2:GetEbsEncryptionByDefault",
            "kms:ListKeys",
            "kms:GetKeyRotationStatus",
            "cloudtrail:DescribeTrails",
            "cloudtrail:GetTrailStatus",
            "cloudtrail:GetEventSelectors",
            "config:DescribeConfigurationRecorders",
            "guardduty:ListDetectors",
            "access-analyzer:ListAnalyzers",
            "iam:GetAccountPasswordPolicy",
            "iam:ListUsers",
            "iam:ListMFADevices",
            "securityhub:GetEnabledStandards",
            "organizations:DescribeOrganization",
            "rds:DescribeDBInstances",
            "lambda:ListFunctions20150331",
        ],
        tail: BROAD_READ,
        tail_n: (30, 80),
        tail_read: 1.0,
        ua: &[Ua::Boto3],
        net: Net::Vpc,
        session: Session::Botocore,
        weight: 0.7,
        error_rate: 0.06,
    },
    // 13: Auto Scaling's service-linked role.
    Archetype {
        label: "role-slr-autoscaling",
        ptype: PType::Role,
        core: &[
            "ec2:DescribeInstances",
            "ec2:DescribeInstanceStatus",
            "ec2:RunInstances",
            "ec2:CreateTags",
            "ec2:TerminateInstances",
            "elasticloadbalancing:DescribeTargetHealth",
            "elasticloadbalancing:RegisterTargets",
            "elasticloadbalancing:DeregisterTargets",
            "ec2:DescribeLaunchTemplateVersions",
            "ec2:DescribeSubnets",
        ],
        tail: &[],
        tail_n: (0, 0),
        tail_read: 1.0,
        ua: &[Ua::Service],
        net: Net::Service,
        session: Session::Fixed("AutoScaling"),
        weight: 1.2,
        error_rate: 0.01,
    },
    // 14: AWS Config's service-linked role recording configuration.
    Archetype {
        label: "role-slr-config",
        ptype: PType::Role,
        core: &[
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeInstances",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeVolumes",
            "iam:GetRole",
            "iam:ListAttachedRolePolicies",
            "iam:GetRolePolicy",
            "iam:GetPolicy",
            "iam:GetUser",
            "s3:GetBucketAcl",
            "s3:GetBucketPolicy",
            "s3:GetBucketVersioning",
            "s3:GetBucketEncryption",
            "s3:GetBucketTagging",
            "lambda:GetFunction20150331v2",
            "lambda:GetPolicy20150331v2",
            "rds:DescribeDBInstances",
            "kms:DescribeKey",
            "kms:ListResourceTags",
            "config:PutEvaluations",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcs",
            "ec2:DescribeRouteTables",
        ],
        tail: &[
            "ec2",
            "iam",
            "s3",
            "lambda",
            "rds",
            "kms",
            "elasticloadbalancing",
            "autoscaling",
            "dynamodb",
            "sqs",
            "sns",
            "cloudtrail",
        ],
        tail_n: (5, 20),
        tail_read: 1.0,
        ua: &[Ua::Service],
        net: Net::Service,
        session: Session::Fixed("AWSConfig-Describe"),
        weight: 1.5,
        error_rate: 0.02,
    },
    // 15: ECS's service-linked role managing task networking.
    Archetype {
        label: "role-slr-ecs",
        ptype: PType::Role,
        core: &[
            "ec2:DescribeNetworkInterfaces",
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "elasticloadbalancing:RegisterTargets",
            "elasticloadbalancing:DeregisterTargets",
            "elasticloadbalancing:DescribeTargetHealth",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
        ],
        tail: &[],
        tail_n: (0, 0),
        tail_read: 1.0,
        ua: &[Ua::Service],
        net: Net::Service,
        session: Session::Fixed("ecs-service-scheduler"),
        weight: 1.0,
        error_rate: 0.01,
    },
    // 16: data pipeline (Glue/Athena/Step Functions).
    Archetype {
        label: "role-data-pipeline",
        ptype: PType::Role,
        core: &[
            "glue:GetTable",
            "s3:GetObject",
            "glue:GetPartitions",
            "athena:GetQueryExecution",
            "s3:ListObjects",
            "s3:PutObject",
            "athena:StartQueryExecution",
            "athena:GetQueryResults",
            "glue:GetDatabase",
            "glue:BatchCreatePartition",
            "s3:GetBucketLocation",
            "kms:GenerateDataKey",
            "kms:Decrypt",
            "states:DescribeExecution",
            "glue:StartJobRun",
            "glue:GetJobRun",
            "s3:DeleteObject",
        ],
        tail: &[
            "glue", "athena", "s3", "states", "kms", "lambda", "emr", "firehose", "kinesis",
            "redshift",
        ],
        tail_n: (3, 15),
        tail_read: 0.6,
        ua: &[Ua::Boto3, Ua::Java],
        net: Net::Vpc,
        session: Session::Botocore,
        weight: 1.8,
        error_rate: 0.025,
    },
    // 17: CDK CloudFormation execution role (calls made by CloudFormation).
    Archetype {
        label: "role-cfn-exec",
        ptype: PType::Role,
        core: &[
            "iam:GetRole",
            "lambda:GetFunction20150331v2",
            "s3:GetBucketPolicy",
            "lambda:UpdateFunctionCode20150331v2",
            "lambda:UpdateFunctionConfiguration20150331v2",
            "iam:PutRolePolicy",
            "iam:CreateRole",
            "iam:AttachRolePolicy",
            "ec2:DescribeSecurityGroups",
            "dynamodb:DescribeTable",
            "sqs:GetQueueAttributes",
            "sns:GetTopicAttributes",
            "logs:CreateLogGroup",
            "logs:PutRetentionPolicy",
            "lambda:AddPermission20150331v2",
            "lambda:PublishVersion20150331",
            "events:PutRule",
            "events:PutTargets",
            "ecs:RegisterTaskDefinition",
            "ecs:UpdateService",
            "ssm:GetParameters",
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:CreateSecurityGroup",
            "ec2:CreateTags",
            "s3:PutBucketPolicy",
            "s3:CreateBucket",
            "kms:CreateGrant",
        ],
        tail: &[
            "iam",
            "lambda",
            "s3",
            "ec2",
            "dynamodb",
            "sqs",
            "sns",
            "logs",
            "events",
            "ecs",
            "ssm",
            "states",
            "apigateway",
            "elasticloadbalancing",
            "kms",
            "route53",
            "acm",
            "cloudfront",
            "wafv2",
        ],
        tail_n: (10, 40),
        tail_read: 0.3,
        ua: &[Ua::Service],
        net: Net::Service,
        session: Session::Fixed("AWSCloudFormation"),
        weight: 0.6,
        error_rate: 0.03,
    },
    // 18: scheduled Python automation (cleanup, reports).
    Archetype {
        label: "role-automation",
        ptype: PType::Role,
        core: &[
            "ec2:DescribeSnapshots",
            "ec2:DescribeVolumes",
            "ec2:DescribeInstances",
            "ec2:DeleteSnapshot",
            "s3:ListObjects",
            "s3:PutObject",
            "ce:GetCostAndUsage",
            "organizations:ListAccounts",
            "sts:AssumeRole",
            "ec2:DescribeImages",
            "ec2:CreateTags",
            "rds:DescribeDBSnapshots",
            "backup:ListRecoveryPointsByBackupVault",
        ],
        tail: &[
            "ec2",
            "s3",
            "rds",
            "backup",
            "organizations",
            "ce",
            "sts",
            "iam",
            "logs",
        ],
        tail_n: (3, 12),
        tail_read: 0.7,
        ua: &[Ua::Boto3, Ua::Boto3Lambda],
        net: Net::Vpc,
        session: Session::Botocore,
        weight: 0.8,
        error_rate: 0.03,
    },
    // 19: the account root (rare).
    Archetype {
        label: "root",
        ptype: PType::Root,
        core: &[
            "signin:ConsoleLogin",
            "iam:GetAccountSummary",
            "iam:ListAccountAliases",
            "ce:GetCostAndUsage",
            "iam:GetAccountPasswordPolicy",
            "s3:ListBuckets",
            "ec2:DescribeRegions",
            "iam:ListMFADevices",
            "support:DescribeCases",
        ],
        tail: &["iam", "ce", "organizations", "support"],
        tail_n: (0, 4),
        tail_read: 1.0,
        ua: &[Ua::Console],
        net: Net::Office,
        session: Session::None,
        weight: 0.01,
        error_rate: 0.02,
    },
    // 20: AWSService: services assuming roles on their own behalf.
    Archetype {
        label: "service-assume",
        ptype: PType::Service,
        core: &["sts:AssumeRole"],
        tail: &[],
        tail_n: (0, 0),
        tail_read: 1.0,
        ua: &[Ua::Service],
        net: Net::Service,
        session: Session::None,
        weight: 0.45,
        error_rate: 0.001,
    },
    // 21: AWSService: CloudTrail and Config checking and writing to their buckets.
    Archetype {
        label: "service-delivery",
        ptype: PType::Service,
        core: &["s3:GetBucketAcl", "s3:PutObject", "sts:AssumeRole"],
        tail: &[],
        tail_n: (0, 0),
        tail_read: 1.0,
        ua: &[Ua::Service],
        net: Net::Service,
        session: Session::None,
        weight: 0.3,
        error_rate: 0.001,
    },
    // 22: AWSService: EventBridge invoking functions.
    Archetype {
        label: "service-events",
        ptype: PType::Service,
        core: &["lambda:Invoke"],
        tail: &[],
        tail_n: (0, 0),
        tail_read: 1.0,
        ua: &[Ua::Service],
        net: Net::Service,
        session: Session::None,
        weight: 0.3,
        error_rate: 0.002,
    },
    // AWSService: scheduled service events (key rotation, secret rotation).
    Archetype {
        label: "service-rotation",
        ptype: PType::Service,
        core: &[
            "kms:RotateKey",
            "secretsmanager:RotationStarted",
            "secretsmanager:RotationSucceeded",
        ],
        tail: &[],
        tail_n: (0, 0),
        tail_read: 1.0,
        ua: &[Ua::Service],
        net: Net::Service,
        session: Session::None,
        weight: 0.05,
        error_rate: 0.0,
    },
];

/// Calls that CloudTrail records as `AwsServiceEvent`.
pub(super) fn is_service_event(name: &str) -> bool {
    matches!(name, "RotateKey" | "RotationStarted" | "RotationSucceeded")
}

/// The index of the archetype with this label.
pub(super) fn archetype(label: &str) -> usize {
    ARCHETYPES
        .iter()
        .position(|a| a.label == label)
        .unwrap_or_else(|| panic!("no archetype {label}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalog_is_large_and_unique() {
        let calls = calls();
        let services: HashSet<_> = calls.iter().map(|c| c.service().source).collect();
        assert!(services.len() >= 40, "{} services", services.len());
        let pairs: HashSet<_> = calls.iter().map(|c| (c.service().source, c.name)).collect();
        assert_eq!(
            pairs.len(),
            calls.len(),
            "duplicate event names within a service"
        );
        assert!(pairs.len() >= 300, "{} pairs", pairs.len());
        let keys: HashSet<_> = SERVICES.iter().map(|s| s.key).collect();
        assert_eq!(keys.len(), SERVICES.len());
    }

    #[test]
    fn archetype_calls_exist() {
        let calls = calls();
        let known: HashSet<(&str, &str)> =
            calls.iter().map(|c| (c.service().key, c.name)).collect();
        let keys: HashSet<&str> = SERVICES.iter().map(|s| s.key).collect();
        for a in ARCHETYPES {
            for c in a.core {
                let (s, n) = c.split_once(':').unwrap();
                assert!(known.contains(&(s, n)), "{}: unknown call {c}", a.label);
            }
            for t in a.tail {
                assert!(keys.contains(t), "{}: unknown service {t}", a.label);
            }
        }
    }
}

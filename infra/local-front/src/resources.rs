//! Creates the template's tables, queues, buckets (with their queue
//! notifications), buses and schedule groups in the emulators, from the same definitions the template declares, and
//! resolves the functions' environment to the local names.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::Value;

use crate::template::{referenced_id, Template};

/// Physical names of what the local front created, by logical id.
#[derive(Debug, Clone, Default)]
pub struct LocalResources {
    pub table_names: BTreeMap<String, String>,
    pub queue_urls: BTreeMap<String, String>,
    pub queue_arns: BTreeMap<String, String>,
    pub bucket_names: BTreeMap<String, String>,
    pub bus_names: BTreeMap<String, String>,
    pub schedule_group_names: BTreeMap<String, String>,
    pub region: String,
}

#[derive(Debug, thiserror::Error)]
#[error("creating {what}: {detail}")]
pub struct ResourceError {
    pub what: String,
    pub detail: String,
}

fn err(what: &str, detail: impl std::fmt::Display) -> ResourceError {
    ResourceError { what: what.to_owned(), detail: detail.to_string() }
}

pub const LOCAL_PREFIX: &str = "o2c-local";

/// The value of the template's `Stage` parameter locally: the bus
/// `o2c-${Stage}` is [`LOCAL_PREFIX`], the reminder schedule group
/// `o2c-${Stage}-reminders` is `o2c-local-reminders`.
pub const LOCAL_STAGE: &str = "local";

/// moto's default account, in every ARN the emulators hand out.
pub const ACCOUNT_ID: &str = "123456789012";

/// A template parameter's local value: `Stage` is [`LOCAL_STAGE`], any
/// other its default.
pub fn parameter(template: &Template, name: &str) -> Option<String> {
    if name == "Stage" {
        return Some(LOCAL_STAGE.to_owned());
    }
    template.parameters.get(name).cloned()
}

/// `!Sub` (string form) over parameters and pseudo parameters.
pub fn substitute(template: &Template, text: &str, region: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| format!("unclosed ${{ in `{text}`"))?;
        let name = &after[..end];
        let value = match name {
            "AWS::Region" => Some(region.to_owned()),
            "AWS::AccountId" => Some(ACCOUNT_ID.to_owned()),
            "AWS::Partition" => Some("aws".to_owned()),
            "AWS::URLSuffix" => Some("amazonaws.com".to_owned()),
            other => parameter(template, other),
        };
        out.push_str(&value.ok_or_else(|| format!("`${{{name}}}` in `{text}` is not a parameter the local front knows"))?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A resource name property: a plain string, a `!Sub` or a `!Ref` of a
/// parameter; `None` when absent (CloudFormation would generate one).
pub fn resolve_name(template: &Template, v: &Value, region: &str) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        other => {
            if let Some(text) = other.get("Fn::Sub").and_then(Value::as_str) {
                return substitute(template, text, region).map(Some);
            }
            if let Some(p) = other.get("Ref").and_then(Value::as_str).and_then(|r| parameter(template, r)) {
                return Ok(Some(p));
            }
            Err(format!("cannot resolve the name {other} locally"))
        }
    }
}

pub async fn create_all(aws: &aws_config::SdkConfig, template: &Template, from_email: &str) -> Result<LocalResources, ResourceError> {
    let region = aws.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_owned());
    let mut local = LocalResources { region: region.clone(), ..Default::default() };
    let ddb = aws_sdk_dynamodb::Client::new(aws);
    for (id, props) in &template.tables {
        let name = format!("{LOCAL_PREFIX}-{id}");
        create_table(&ddb, &name, props).await.map_err(|e| err(id, e))?;
        local.table_names.insert(id.clone(), name);
    }

    let sqs = aws_sdk_sqs::Client::new(aws);
    // Dead-letter queues first: the others name them in their redrive policy.
    let mut ordered: Vec<(&String, &Value)> = template.queues.iter().collect();
    ordered.sort_by_key(|(_, p)| p.get("RedrivePolicy").is_some());
    for (id, props) in ordered {
        let name = format!("{LOCAL_PREFIX}-{id}");
        let mut create = sqs.create_queue().queue_name(&name);
        for (attr, key) in [(QueueAttributeName::VisibilityTimeout, "VisibilityTimeout"), (QueueAttributeName::MessageRetentionPeriod, "MessageRetentionPeriod")] {
            if let Some(v) = props.get(key).and_then(Value::as_i64) {
                create = create.attributes(attr, v.to_string());
            }
        }
        if let Some(policy) = props.get("RedrivePolicy") {
            let target = policy.get("deadLetterTargetArn").and_then(referenced_id).ok_or_else(|| err(id, "RedrivePolicy names no queue"))?;
            let arn = local.queue_arns.get(&target).ok_or_else(|| err(id, format!("dead-letter queue {target} not created")))?;
            let max = policy.get("maxReceiveCount").and_then(Value::as_i64).unwrap_or(5);
            create = create.attributes(QueueAttributeName::RedrivePolicy, serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": max}).to_string());
        }
        let url = create.send().await.map_err(|e| err(id, aws_sdk_sqs::error::DisplayErrorContext(e)))?.queue_url().unwrap_or_default().to_owned();
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| err(id, aws_sdk_sqs::error::DisplayErrorContext(e)))?;
        let arn = attrs.attributes().and_then(|a| a.get(&QueueAttributeName::QueueArn)).cloned().unwrap_or_default();
        local.queue_urls.insert(id.clone(), url);
        local.queue_arns.insert(id.clone(), arn);
    }

    // Path-style: moto serves no bucket subdomains of 127.0.0.1.
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(aws).force_path_style(true).build());
    for (id, props) in &template.buckets {
        let name = bucket_name(template, id, props, &region).map_err(|e| err(id, e))?;
        create_bucket(&s3, &name).await.map_err(|e| err(id, e))?;
        if let Some(config) = props.get("NotificationConfiguration") {
            let notifications = bucket_notifications(config, &local.queue_arns).map_err(|e| err(id, e))?;
            s3.put_bucket_notification_configuration()
                .bucket(&name)
                .notification_configuration(notifications)
                .send()
                .await
                .map_err(|e| err(id, aws_sdk_s3::error::DisplayErrorContext(e)))?;
        }
        local.bucket_names.insert(id.clone(), name);
    }

    let events = aws_sdk_eventbridge::Client::new(aws);
    for id in &template.event_buses {
        let name = LOCAL_PREFIX.to_owned();
        match events.create_event_bus().name(&name).send().await {
            Ok(_) => {}
            Err(e) if format!("{}", aws_sdk_eventbridge::error::DisplayErrorContext(&e)).contains("ResourceAlreadyExists") => {}
            Err(e) => return Err(err(id, aws_sdk_eventbridge::error::DisplayErrorContext(e))),
        }
        local.bus_names.insert(id.clone(), name);
    }

    let scheduler = aws_sdk_scheduler::Client::new(aws);
    for (id, name) in &template.schedule_groups {
        let name = resolve_name(template, name, &region).map_err(|e| err(id, e))?.unwrap_or_else(|| format!("{LOCAL_PREFIX}-{id}"));
        create_schedule_group(&scheduler, &name).await.map_err(|e| err(id, e))?;
        local.schedule_group_names.insert(id.clone(), name);
    }

    // The sender must be a verified SES identity, as in a real account.
    let ses = aws_sdk_sesv2::Client::new(aws);
    match ses.create_email_identity().email_identity(from_email).send().await {
        Ok(_) => {}
        Err(e) if format!("{}", aws_sdk_sesv2::error::DisplayErrorContext(&e)).contains("AlreadyExists") => {}
        Err(e) => return Err(err("SES identity", aws_sdk_sesv2::error::DisplayErrorContext(e))),
    }
    Ok(local)
}

/// A bucket's local name: its `BucketName` resolved with the local stage,
/// or `<LOCAL_PREFIX>-<logical id>` when it has none; lowercased, as S3
/// names must be.
pub fn bucket_name(template: &Template, id: &str, props: &Value, region: &str) -> Result<String, String> {
    let name = resolve_name(template, props.get("BucketName").unwrap_or(&Value::Null), region)?.unwrap_or_else(|| format!("{LOCAL_PREFIX}-{id}"));
    Ok(name.to_ascii_lowercase())
}

async fn create_bucket(s3: &aws_sdk_s3::Client, name: &str) -> Result<(), String> {
    match s3.create_bucket().bucket(name).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_bucket_already_owned_by_you()) => Ok(()),
        Err(e) => Err(format!("{}", aws_sdk_s3::error::DisplayErrorContext(e))),
    }
}

/// A bucket's `NotificationConfiguration` with its queues' local ARNs.
/// Only queue notifications are emulated; anything else is refused here
/// rather than silently never delivered.
pub fn bucket_notifications(config: &Value, queue_arns: &BTreeMap<String, String>) -> Result<aws_sdk_s3::types::NotificationConfiguration, String> {
    use aws_sdk_s3::types::{Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter, QueueConfiguration, S3KeyFilter};
    if let Some(map) = config.as_object() {
        if let Some(other) = map.keys().find(|k| k.as_str() != "QueueConfigurations") {
            return Err(format!("NotificationConfiguration.{other} is not emulated locally"));
        }
    }
    let mut out = NotificationConfiguration::builder();
    for q in config.get("QueueConfigurations").and_then(Value::as_array).into_iter().flatten() {
        let queue = q.get("Queue").and_then(referenced_id).ok_or("a queue notification's Queue must be a !GetAtt of a template queue")?;
        let arn = queue_arns.get(&queue).ok_or_else(|| format!("notification queue {queue} not created"))?;
        let event = q.get("Event").and_then(Value::as_str).ok_or("a queue notification needs its Event")?;
        let mut rules = Vec::new();
        for rule in q.pointer("/Filter/S3Key/Rules").and_then(Value::as_array).into_iter().flatten() {
            let name = rule.get("Name").and_then(Value::as_str).ok_or("a filter rule needs its Name")?;
            let value = rule.get("Value").and_then(Value::as_str).ok_or("a filter rule's Value must be a plain string")?;
            rules.push(FilterRule::builder().name(FilterRuleName::from(name.to_ascii_lowercase().as_str())).value(value).build());
        }
        let mut queue_config = QueueConfiguration::builder().queue_arn(arn).events(Event::from(event));
        if !rules.is_empty() {
            queue_config = queue_config.filter(NotificationConfigurationFilter::builder().key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build()).build());
        }
        out = out.queue_configurations(queue_config.build().map_err(|e| e.to_string())?);
    }
    Ok(out.build())
}

/// Creates the group unless it exists: moto's CreateScheduleGroup replaces
/// an existing group, schedules and all, so a restarted front asks first.
async fn create_schedule_group(scheduler: &aws_sdk_scheduler::Client, name: &str) -> Result<(), String> {
    match scheduler.get_schedule_group().name(name).send().await {
        Ok(_) => return Ok(()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => {}
        Err(e) => return Err(format!("{}", aws_sdk_scheduler::error::DisplayErrorContext(e))),
    }
    match scheduler.create_schedule_group().name(name).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_conflict_exception()) => Ok(()),
        Err(e) => Err(format!("{}", aws_sdk_scheduler::error::DisplayErrorContext(e))),
    }
}

async fn create_table(ddb: &aws_sdk_dynamodb::Client, name: &str, props: &Value) -> Result<(), String> {
    let key_schema = |v: &Value| -> Vec<KeySchemaElement> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| {
                KeySchemaElement::builder()
                    .attribute_name(k.get("AttributeName")?.as_str()?)
                    .key_type(KeyType::from(k.get("KeyType")?.as_str()?))
                    .build()
                    .ok()
            })
            .collect()
    };
    let attrs: Vec<AttributeDefinition> = props
        .get("AttributeDefinitions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| {
            AttributeDefinition::builder()
                .attribute_name(a.get("AttributeName")?.as_str()?)
                .attribute_type(ScalarAttributeType::from(a.get("AttributeType")?.as_str()?))
                .build()
                .ok()
        })
        .collect();
    let gsis: Vec<GlobalSecondaryIndex> = props
        .get("GlobalSecondaryIndexes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| {
            let non_key: Vec<String> = g.pointer("/Projection/NonKeyAttributes").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect();
            let projection = Projection::builder()
                .projection_type(ProjectionType::from(g.pointer("/Projection/ProjectionType").and_then(Value::as_str).unwrap_or("ALL")))
                .set_non_key_attributes((!non_key.is_empty()).then_some(non_key))
                .build();
            GlobalSecondaryIndex::builder()
                .index_name(g.get("IndexName")?.as_str()?)
                .set_key_schema(Some(key_schema(g.get("KeySchema")?)))
                .projection(projection)
                .build()
                .ok()
        })
        .collect();
    let mut create = ddb
        .create_table()
        .table_name(name)
        .set_attribute_definitions(Some(attrs))
        .set_key_schema(Some(key_schema(props.get("KeySchema").unwrap_or(&Value::Null))))
        .billing_mode(BillingMode::from(props.get("BillingMode").and_then(Value::as_str).unwrap_or("PAY_PER_REQUEST")));
    if !gsis.is_empty() {
        create = create.set_global_secondary_indexes(Some(gsis));
    }
    if let Some(view) = props.pointer("/StreamSpecification/StreamViewType").and_then(Value::as_str) {
        create = create.stream_specification(StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::from(view)).build().map_err(|e| e.to_string())?);
    }
    match create.send().await {
        Ok(_) => {}
        Err(e) => {
            let text = format!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(&e));
            if !text.contains("ResourceInUseException") && !text.contains("already exists") {
                return Err(text);
            }
        }
    }
    if let Some(attr) = props.pointer("/TimeToLiveSpecification/AttributeName").and_then(Value::as_str) {
        let spec = TimeToLiveSpecification::builder().attribute_name(attr).enabled(true).build().map_err(|e| e.to_string())?;
        if let Err(e) = ddb.update_time_to_live().table_name(name).time_to_live_specification(spec).send().await {
            let text = format!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(&e));
            if !text.contains("already enabled") {
                return Err(text);
            }
        }
    }
    Ok(())
}

/// The functions' environment with every intrinsic resolved to the local
/// resources: `!Ref` of a table, queue (its URL), bucket, bus or schedule
/// group (their names) or parameter; `!GetAtt X.Arn` of a queue, table,
/// bucket, bus or IAM role (moto's account); `!Sub`. `overrides` (from the developer's
/// environment) win.
pub fn resolve_environment(template: &Template, local: &LocalResources, overrides: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for (k, v) in &template.environment {
        match resolve_value(template, local, v) {
            Some(value) => {
                env.insert(k.clone(), value);
            }
            None => tracing::warn!(variable = k.as_str(), value = %v, "environment value not resolved locally"),
        }
    }
    for (k, v) in overrides {
        env.insert(k.clone(), v.clone());
    }
    env
}

fn resolve_value(template: &Template, local: &LocalResources, v: &Value) -> Option<String> {
    if let Value::String(s) = v {
        return Some(s.clone());
    }
    if let Some(text) = v.get("Fn::Sub").and_then(Value::as_str) {
        return substitute(template, text, &local.region).ok();
    }
    if let Some(id) = v.get("Ref").and_then(Value::as_str) {
        return local
            .table_names
            .get(id)
            .or_else(|| local.queue_urls.get(id))
            .or_else(|| local.bucket_names.get(id))
            .or_else(|| local.bus_names.get(id))
            .or_else(|| local.schedule_group_names.get(id))
            .cloned()
            .or_else(|| parameter(template, id));
    }
    let (id, attribute) = match v.get("Fn::GetAtt")? {
        Value::String(s) => s.split_once('.').map(|(a, b)| (a.to_owned(), b.to_owned()))?,
        Value::Array(a) => (a.first()?.as_str()?.to_owned(), a.get(1)?.as_str()?.to_owned()),
        _ => return None,
    };
    if attribute != "Arn" {
        return None;
    }
    let region = &local.region;
    match template.resource_types.get(&id).map(String::as_str)? {
        "AWS::SQS::Queue" => local.queue_arns.get(&id).cloned(),
        "AWS::IAM::Role" => Some(format!("arn:aws:iam::{ACCOUNT_ID}:role/{id}")),
        "AWS::S3::Bucket" => local.bucket_names.get(&id).map(|n| format!("arn:aws:s3:::{n}")),
        "AWS::DynamoDB::Table" => local.table_names.get(&id).map(|n| format!("arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/{n}")),
        "AWS::Events::EventBus" => local.bus_names.get(&id).map(|n| format!("arn:aws:events:{region}:{ACCOUNT_ID}:event-bus/{n}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real_template() -> Template {
        Template::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml")).expect("template.yaml parses")
    }

    fn local() -> LocalResources {
        let mut l = LocalResources { region: "us-east-1".into(), ..Default::default() };
        l.table_names.insert("O2cTable".into(), "o2c-local-O2cTable".into());
        for q in ["DeliveryQueue", "ReminderQueue", "StatementQueue"] {
            l.queue_urls.insert(q.into(), format!("http://127.0.0.1:5000/123456789012/o2c-local-{q}"));
            l.queue_arns.insert(q.into(), format!("arn:aws:sqs:us-east-1:123456789012:o2c-local-{q}"));
        }
        l.bus_names.insert("O2cEventBus".into(), LOCAL_PREFIX.into());
        l.bucket_names.insert("StatementsBucket".into(), "o2c-local-statements-123456789012".into());
        l.schedule_group_names.insert("ReminderScheduleGroup".into(), "o2c-local-reminders".into());
        l
    }

    #[test]
    fn the_local_stage_names_the_bus_as_the_local_front_does_and_the_reminder_group_after_it() {
        let t = real_template();
        // O2cEventBus's Name in the template.
        let bus = serde_json::json!({"Fn::Sub": "o2c-${Stage}"});
        assert_eq!(resolve_name(&t, &bus, "us-east-1").unwrap().as_deref(), Some(LOCAL_PREFIX));
        assert_eq!(resolve_name(&t, &t.schedule_groups["ReminderScheduleGroup"], "us-east-1").unwrap().as_deref(), Some("o2c-local-reminders"));
        assert_eq!(resolve_name(&t, &Value::Null, "us-east-1").unwrap(), None);
        assert!(resolve_name(&t, &serde_json::json!({"Fn::Sub": "x-${Nope}"}), "us-east-1").is_err());
    }

    #[test]
    fn the_reminder_environment_resolves_to_the_local_queue_group_and_role() {
        let env = resolve_environment(&real_template(), &local(), &BTreeMap::new());
        assert_eq!(env["O2C_REMINDER_QUEUE_URL"], "http://127.0.0.1:5000/123456789012/o2c-local-ReminderQueue");
        assert_eq!(env["O2C_REMINDER_QUEUE_ARN"], "arn:aws:sqs:us-east-1:123456789012:o2c-local-ReminderQueue");
        assert_eq!(env["O2C_REMINDER_SCHEDULE_GROUP"], "o2c-local-reminders");
        assert_eq!(env["O2C_REMINDER_SCHEDULER_ROLE_ARN"], "arn:aws:iam::123456789012:role/ReminderSchedulerRole");
        assert_eq!(env["O2C_COMPANY_COUNTRY"], "");
        assert_eq!(env["O2C_HOLIDAYS"], "");
        assert_eq!(env["O2C_TABLE_NAME"], "o2c-local-O2cTable");
        assert_eq!(env["O2C_EVENT_BUS_NAME"], LOCAL_PREFIX);
    }

    #[test]
    fn the_statements_bucket_is_named_with_the_local_stage_and_reaches_the_environment() {
        let t = real_template();
        assert_eq!(bucket_name(&t, "StatementsBucket", &t.buckets["StatementsBucket"], "us-east-1").unwrap(), "o2c-local-statements-123456789012");
        assert_eq!(bucket_name(&t, "NamelessBucket", &Value::Null, "us-east-1").unwrap(), "o2c-local-namelessbucket");
        let env = resolve_environment(&t, &local(), &BTreeMap::new());
        assert_eq!(env["O2C_STATEMENTS_BUCKET"], "o2c-local-statements-123456789012");
        assert_eq!(env["O2C_STATEMENT_QUEUE_URL"], "http://127.0.0.1:5000/123456789012/o2c-local-StatementQueue");
    }

    #[test]
    fn the_statements_bucket_announces_uploads_on_the_local_statement_queue() {
        let t = real_template();
        let config = bucket_notifications(&t.buckets["StatementsBucket"]["NotificationConfiguration"], &local().queue_arns).unwrap();
        let [queue] = config.queue_configurations() else { panic!("one queue notification") };
        assert_eq!(queue.queue_arn(), "arn:aws:sqs:us-east-1:123456789012:o2c-local-StatementQueue");
        assert_eq!(queue.events(), [aws_sdk_s3::types::Event::from("s3:ObjectCreated:*")]);
        let rules = queue.filter().and_then(|f| f.key()).map(|k| k.filter_rules()).unwrap_or_default();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].name(), Some(&aws_sdk_s3::types::FilterRuleName::Prefix));
        assert_eq!(rules[0].value(), Some("uploads/"));
        assert!(bucket_notifications(&serde_json::json!({"LambdaConfigurations": []}), &local().queue_arns).is_err());
    }

    #[test]
    fn an_override_from_the_environment_wins_over_the_template() {
        let overrides = BTreeMap::from([("O2C_HOLIDAYS".to_owned(), "DE=2026-12-24".to_owned())]);
        let env = resolve_environment(&real_template(), &local(), &overrides);
        assert_eq!(env["O2C_HOLIDAYS"], "DE=2026-12-24");
    }
}

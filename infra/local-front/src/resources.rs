//! Creates the template's tables, queues and buses in the emulators, from
//! the same definitions the template declares, and resolves the
//! functions' environment to the local names.

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
    pub bus_names: BTreeMap<String, String>,
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

pub async fn create_all(aws: &aws_config::SdkConfig, template: &Template, from_email: &str) -> Result<LocalResources, ResourceError> {
    let mut local = LocalResources::default();
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

    // The sender must be a verified SES identity, as in a real account.
    let ses = aws_sdk_sesv2::Client::new(aws);
    match ses.create_email_identity().email_identity(from_email).send().await {
        Ok(_) => {}
        Err(e) if format!("{}", aws_sdk_sesv2::error::DisplayErrorContext(&e)).contains("AlreadyExists") => {}
        Err(e) => return Err(err("SES identity", aws_sdk_sesv2::error::DisplayErrorContext(e))),
    }
    Ok(local)
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
            let projection = Projection::builder()
                .projection_type(ProjectionType::from(g.pointer("/Projection/ProjectionType").and_then(Value::as_str).unwrap_or("ALL")))
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

/// The functions' environment with every `!Ref` resolved to a local name;
/// `overrides` (from the developer's environment) win over defaults.
pub fn resolve_environment(template: &Template, local: &LocalResources, overrides: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for (k, v) in &template.environment {
        let value = match v {
            Value::String(s) => Some(s.clone()),
            other => referenced_id(other).and_then(|id| {
                local
                    .table_names
                    .get(&id)
                    .or_else(|| local.queue_urls.get(&id))
                    .or_else(|| local.bus_names.get(&id))
                    .or_else(|| template.parameters.get(&id))
                    .cloned()
            }),
        };
        if let Some(value) = value {
            env.insert(k.clone(), value);
        }
    }
    for (k, v) in overrides {
        env.insert(k.clone(), v.clone());
    }
    env
}

//! Reads what the local front needs from `template.yaml`: functions and
//! their event sources, tables, queues, buses, global environment.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read the template: {0}")]
    Io(#[from] std::io::Error),
    #[error("the template is not YAML: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    #[error("template: {0}")]
    Shape(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventSource {
    HttpApi { name: String, method: String, path: String },
    DynamoDbStream(StreamSource),
    Sqs(QueueSource),
    /// An EventBridge rule on the default bus with an event pattern.
    EventRule { name: String, pattern: Value },
    /// Any event type the local front does not (yet) emulate.
    Other { name: String, kind: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct StreamSource {
    pub name: String,
    /// Logical id of the table whose stream feeds the function.
    pub table: String,
    pub batch_size: usize,
    pub maximum_retry_attempts: u32,
    pub report_batch_item_failures: bool,
    /// Filter patterns (JSON) as the mapping's `FilterCriteria` declares.
    pub filters: Vec<Value>,
    /// Logical id of the on-failure destination queue, if any.
    pub on_failure_queue: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueueSource {
    pub name: String,
    /// Logical id of the queue.
    pub queue: String,
    pub batch_size: usize,
    pub report_batch_item_failures: bool,
}

#[derive(Debug, Clone)]
pub struct Function {
    pub logical_id: String,
    pub events: Vec<EventSource>,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub functions: BTreeMap<String, Function>,
    /// Logical id -> `Properties` (JSON) of each `AWS::DynamoDB::Table`.
    pub tables: BTreeMap<String, Value>,
    /// Logical id -> `Properties` of each `AWS::SQS::Queue`.
    pub queues: BTreeMap<String, Value>,
    pub event_buses: Vec<String>,
    /// `Globals.Function.Environment.Variables`, intrinsic functions kept
    /// as `{"Ref": ...}` / `{"Fn::GetAtt": ...}` objects.
    pub environment: BTreeMap<String, Value>,
    /// Parameter defaults.
    pub parameters: BTreeMap<String, String>,
}

/// YAML (with CloudFormation's short-form tags) to JSON with long-form
/// intrinsics: `!Ref X` -> `{"Ref": "X"}`, `!GetAtt A.B` -> `{"Fn::GetAtt": "A.B"}`.
fn to_json(v: &serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => n.as_i64().map(Value::from).or_else(|| n.as_f64().map(Value::from)).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s.clone()),
        Y::Sequence(s) => Value::Array(s.iter().map(to_json).collect()),
        Y::Mapping(m) => Value::Object(m.iter().filter_map(|(k, v)| k.as_str().map(|k| (k.to_owned(), to_json(v)))).collect()),
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!');
            let key = if name == "Ref" { "Ref".to_owned() } else { format!("Fn::{name}") };
            serde_json::json!({ key: to_json(&t.value) })
        }
    }
}

/// The logical id an intrinsic points at: `{"Ref": "X"}` or
/// `{"Fn::GetAtt": "X.Attr"}` / `["X", "Attr"]`.
pub fn referenced_id(v: &Value) -> Option<String> {
    if let Some(r) = v.get("Ref").and_then(Value::as_str) {
        return Some(r.to_owned());
    }
    match v.get("Fn::GetAtt") {
        Some(Value::String(s)) => s.split('.').next().map(str::to_owned),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

impl Template {
    pub fn load(path: &Path) -> Result<Self, TemplateError> {
        let text = std::fs::read_to_string(path)?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(text)?;
        let doc = to_json(&yaml);
        let resources = doc.get("Resources").and_then(Value::as_object).ok_or_else(|| TemplateError::Shape("no Resources".into()))?;
        let mut t = Template {
            functions: BTreeMap::new(),
            tables: BTreeMap::new(),
            queues: BTreeMap::new(),
            event_buses: Vec::new(),
            environment: BTreeMap::new(),
            parameters: BTreeMap::new(),
        };
        if let Some(params) = doc.get("Parameters").and_then(Value::as_object) {
            for (name, p) in params {
                if let Some(d) = p.get("Default") {
                    let d = d.as_str().map(str::to_owned).unwrap_or_else(|| d.to_string());
                    t.parameters.insert(name.clone(), d);
                }
            }
        }
        if let Some(vars) = doc.pointer("/Globals/Function/Environment/Variables").and_then(Value::as_object) {
            t.environment = vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        }
        for (id, r) in resources {
            let kind = r.get("Type").and_then(Value::as_str).unwrap_or("");
            let props = r.get("Properties").cloned().unwrap_or(Value::Null);
            match kind {
                "AWS::Serverless::Function" => {
                    let events = props.get("Events").and_then(Value::as_object).map(|evs| evs.iter().map(|(n, e)| parse_event(n, e)).collect::<Result<Vec<_>, _>>()).transpose()?.unwrap_or_default();
                    t.functions.insert(id.clone(), Function { logical_id: id.clone(), events });
                }
                "AWS::DynamoDB::Table" => {
                    t.tables.insert(id.clone(), props);
                }
                "AWS::SQS::Queue" => {
                    t.queues.insert(id.clone(), props);
                }
                "AWS::Events::EventBus" => t.event_buses.push(id.clone()),
                _ => {}
            }
        }
        Ok(t)
    }

    /// Every HTTP route: (method, path, function logical id).
    pub fn http_routes(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for f in self.functions.values() {
            for e in &f.events {
                if let EventSource::HttpApi { method, path, .. } = e {
                    out.push((method.clone(), path.clone(), f.logical_id.clone()));
                }
            }
        }
        out
    }
}

fn parse_event(name: &str, e: &Value) -> Result<EventSource, TemplateError> {
    let kind = e.get("Type").and_then(Value::as_str).unwrap_or("");
    let p = e.get("Properties").cloned().unwrap_or(Value::Null);
    let shape = |what: &str| TemplateError::Shape(format!("event {name}: {what}"));
    Ok(match kind {
        "HttpApi" => EventSource::HttpApi {
            name: name.to_owned(),
            method: p.get("Method").and_then(Value::as_str).ok_or_else(|| shape("no Method"))?.to_ascii_uppercase(),
            path: p.get("Path").and_then(Value::as_str).ok_or_else(|| shape("no Path"))?.to_owned(),
        },
        "DynamoDB" => {
            let filters = p
                .pointer("/FilterCriteria/Filters")
                .and_then(Value::as_array)
                .map(|fs| fs.iter().filter_map(|f| f.get("Pattern").and_then(Value::as_str)).map(serde_json::from_str).collect::<Result<Vec<Value>, _>>())
                .transpose()
                .map_err(|e| shape(&format!("filter pattern is not JSON: {e}")))?
                .unwrap_or_default();
            EventSource::DynamoDbStream(StreamSource {
                name: name.to_owned(),
                table: p.get("Stream").and_then(referenced_id).ok_or_else(|| shape("Stream must name a table's StreamArn"))?,
                batch_size: p.get("BatchSize").and_then(Value::as_u64).unwrap_or(100) as usize,
                maximum_retry_attempts: p.get("MaximumRetryAttempts").and_then(Value::as_u64).unwrap_or(10) as u32,
                report_batch_item_failures: p
                    .get("FunctionResponseTypes")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|v| v == "ReportBatchItemFailures")),
                filters,
                on_failure_queue: p.pointer("/DestinationConfig/OnFailure/Destination").and_then(referenced_id),
            })
        }
        "EventBridgeRule" | "CloudWatchEvent" if p.get("Pattern").is_some() => EventSource::EventRule { name: name.to_owned(), pattern: p.get("Pattern").cloned().unwrap_or(Value::Null) },
        "SQS" => EventSource::Sqs(QueueSource {
            name: name.to_owned(),
            queue: p.get("Queue").and_then(referenced_id).ok_or_else(|| shape("Queue must name a queue's Arn"))?,
            batch_size: p.get("BatchSize").and_then(Value::as_u64).unwrap_or(10) as usize,
            report_batch_item_failures: p
                .get("FunctionResponseTypes")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|v| v == "ReportBatchItemFailures")),
        }),
        other => EventSource::Other { name: name.to_owned(), kind: other.to_owned() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_intrinsics_become_long_form() {
        let t = Template::parse(
            "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        S:\n          Type: DynamoDB\n          Properties:\n            Stream: !GetAtt T.StreamArn\n            FilterCriteria:\n              Filters:\n                - Pattern: '{\"eventName\":[\"INSERT\"]}'\n",
        )
        .unwrap();
        let EventSource::DynamoDbStream(s) = &t.functions["F"].events[0] else { panic!() };
        assert_eq!(s.table, "T");
        assert_eq!(s.filters[0]["eventName"][0], "INSERT");
    }
}

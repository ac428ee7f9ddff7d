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

/// An `AWS::Events::Rule` with a `ScheduleExpression`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledRule {
    pub logical_id: String,
    /// The rule's `Name` (may be an intrinsic); CloudFormation generates one
    /// when absent.
    pub name: Option<Value>,
    pub schedule_expression: String,
    /// `State` is not `DISABLED`.
    pub enabled: bool,
    pub targets: Vec<RuleTarget>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleTarget {
    pub id: String,
    /// Logical id of the resource the target's `Arn` points at.
    pub resource: String,
    /// The target's constant `Input` (JSON text), sent instead of the event.
    pub input: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub functions: BTreeMap<String, Function>,
    /// Logical id -> `Properties` (JSON) of each `AWS::DynamoDB::Table`.
    pub tables: BTreeMap<String, Value>,
    /// Logical id -> `Properties` of each `AWS::SQS::Queue`.
    pub queues: BTreeMap<String, Value>,
    /// Logical id -> `Properties` of each `AWS::S3::Bucket`.
    pub buckets: BTreeMap<String, Value>,
    pub event_buses: Vec<String>,
    /// Logical id -> rule, for each `AWS::Events::Rule` with a schedule.
    pub scheduled_rules: BTreeMap<String, ScheduledRule>,
    /// Logical id -> `Name` (may be an intrinsic; `Null` when absent) of
    /// each `AWS::Scheduler::ScheduleGroup`.
    pub schedule_groups: BTreeMap<String, Value>,
    /// Logical id -> `Type` of every resource.
    pub resource_types: BTreeMap<String, String>,
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
            buckets: BTreeMap::new(),
            event_buses: Vec::new(),
            scheduled_rules: BTreeMap::new(),
            schedule_groups: BTreeMap::new(),
            resource_types: BTreeMap::new(),
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
            t.resource_types.insert(id.clone(), kind.to_owned());
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
                "AWS::S3::Bucket" => {
                    t.buckets.insert(id.clone(), props);
                }
                "AWS::Events::EventBus" => t.event_buses.push(id.clone()),
                "AWS::Events::Rule" if props.get("ScheduleExpression").is_some() => {
                    t.scheduled_rules.insert(id.clone(), parse_scheduled_rule(id, &props)?);
                }
                "AWS::Scheduler::ScheduleGroup" => {
                    t.schedule_groups.insert(id.clone(), props.get("Name").cloned().unwrap_or(Value::Null));
                }
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

fn parse_scheduled_rule(id: &str, p: &Value) -> Result<ScheduledRule, TemplateError> {
    let shape = |what: String| TemplateError::Shape(format!("rule {id}: {what}"));
    let schedule_expression = p.get("ScheduleExpression").and_then(Value::as_str).ok_or_else(|| shape("ScheduleExpression must be a plain string".into()))?.to_owned();
    let targets = p
        .get("Targets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|target| {
            let tid = target.get("Id").and_then(Value::as_str).unwrap_or("").to_owned();
            for unsupported in ["InputPath", "InputTransformer"] {
                if target.get(unsupported).is_some() {
                    return Err(shape(format!("target {tid}: {unsupported} is not emulated locally")));
                }
            }
            let resource = target.get("Arn").and_then(referenced_id).ok_or_else(|| shape(format!("target {tid}: Arn must be a !GetAtt of a template resource")))?;
            let input = match target.get("Input") {
                None => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(shape(format!("target {tid}: Input must be a JSON string"))),
            };
            Ok(RuleTarget { id: tid, resource, input })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ScheduledRule {
        logical_id: id.to_owned(),
        name: p.get("Name").cloned(),
        schedule_expression,
        enabled: p.get("State").and_then(Value::as_str) != Some("DISABLED"),
        targets,
    })
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

    fn real_template() -> Template {
        Template::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml")).expect("template.yaml parses")
    }

    #[test]
    fn the_reminder_sweep_rule_is_read_with_its_schedule_and_queue_target() {
        let t = real_template();
        let rule = &t.scheduled_rules["ReminderSweepRule"];
        assert_eq!(rule.schedule_expression, "cron(5 0 * * ? *)");
        assert!(rule.enabled);
        assert_eq!(rule.targets, vec![RuleTarget { id: "reminder-queue".into(), resource: "ReminderQueue".into(), input: None }]);
        assert!(t.queues.contains_key("ReminderQueue"));
    }

    #[test]
    fn every_scheduled_rule_of_the_template_has_an_expression_the_local_front_evaluates() {
        for rule in real_template().scheduled_rules.values() {
            crate::schedule::Schedule::parse(&rule.schedule_expression).unwrap_or_else(|e| panic!("{}: {e}", rule.logical_id));
        }
    }

    #[test]
    fn the_reminder_schedule_group_keeps_its_name_as_a_sub() {
        let t = real_template();
        assert_eq!(t.schedule_groups["ReminderScheduleGroup"], serde_json::json!({"Fn::Sub": "o2c-${Stage}-reminders"}));
        assert_eq!(t.resource_types["ReminderSchedulerRole"], "AWS::IAM::Role");
    }

    #[test]
    fn the_statements_bucket_is_read_with_its_name_and_queue_notification() {
        let t = real_template();
        let bucket = &t.buckets["StatementsBucket"];
        assert_eq!(bucket["BucketName"], serde_json::json!({"Fn::Sub": "o2c-${Stage}-statements-${AWS::AccountId}"}));
        let queue = &bucket["NotificationConfiguration"]["QueueConfigurations"][0];
        assert_eq!(referenced_id(&queue["Queue"]).as_deref(), Some("StatementQueue"));
        assert!(t.queues.contains_key("StatementQueue"));
    }

    #[test]
    fn a_rule_target_carries_its_constant_input_and_refuses_input_transformers() {
        let rule = |target: &str| format!("Resources:\n  R:\n    Type: AWS::Events::Rule\n    Properties:\n      ScheduleExpression: rate(1 hour)\n      State: DISABLED\n      Targets:\n        - Id: q\n          Arn: !GetAtt Q.Arn\n{target}");
        let t = Template::parse(&rule("          Input: '{\"kind\":\"tick\"}'\n")).unwrap();
        let r = &t.scheduled_rules["R"];
        assert!(!r.enabled);
        assert_eq!(r.targets[0].input.as_deref(), Some("{\"kind\":\"tick\"}"));
        assert!(Template::parse(&rule("          InputPath: $.detail\n")).is_err());
    }
}

//! The contract's dunning-policy JSON: `{"steps": [{"offset_days",
//! "template", "credit_hold"}]}` in and out.

use serde_json::{json, Map, Value};

use crate::fields::{FieldError, Fields};
use crate::ApiError;

/// `PUT /v1/customers/{id}/dunning-policy`: `{"steps": [{"offset_days",
/// "template", "credit_hold"}]}`, every bad field reported by its path.
pub fn parse_dunning_policy(body: &Map<String, Value>) -> Result<o2c_domain::dunning::DunningPolicy, ApiError> {
    use o2c_domain::dunning::{DunningPolicy, DunningPolicyError, DunningStep, TemplateName, MAX_OFFSET_DAYS, MAX_STEPS};
    let mut errors = Vec::new();
    let mut f = Fields::new(body, "", &mut errors);
    f.deny_unknown(&["steps"]);
    let mut steps = Vec::new();
    match f.optional_array("steps") {
        None => {
            if f.raw("steps").is_none() {
                f.error("steps", "is required");
            }
        }
        Some(list) if list.len() > MAX_STEPS => f.error("steps", format!("has more than {MAX_STEPS} steps")),
        Some(list) => {
            for (i, v) in list.iter().enumerate() {
                let path = format!("steps[{i}]");
                let Some(obj) = v.as_object() else {
                    f.error(&path, "must be an object");
                    continue;
                };
                let mut sf = Fields::new(obj, path, f.errors());
                sf.deny_unknown(&["offset_days", "template", "credit_hold"]);
                let offset = match sf.raw("offset_days") {
                    None => {
                        sf.error("offset_days", "is required");
                        None
                    }
                    Some(Value::Number(n)) => match n.as_i64().filter(|o| o.abs() <= i64::from(MAX_OFFSET_DAYS)) {
                        Some(o) => Some(o as i32),
                        None => {
                            sf.error("offset_days", format!("must be a whole number from -{MAX_OFFSET_DAYS} to {MAX_OFFSET_DAYS}"));
                            None
                        }
                    },
                    Some(_) => {
                        sf.error("offset_days", "must be a number");
                        None
                    }
                };
                let template = sf.required("template", TemplateName::parse);
                let credit_hold = sf.optional_bool("credit_hold").unwrap_or(false);
                if let (Some(offset_days), Some(template)) = (offset, template) {
                    steps.push(DunningStep { offset_days, template, credit_hold });
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    DunningPolicy::new(steps).map_err(|e| {
        let field = match &e {
            DunningPolicyError::TooManySteps => "steps".to_owned(),
            DunningPolicyError::OffsetOutOfRange { index } | DunningPolicyError::DuplicateOffset { index, .. } => format!("steps[{index}].offset_days"),
        };
        ApiError::Validation(vec![FieldError::new(field, e.to_string())])
    })
}

pub fn render_dunning_policy(policy: &o2c_domain::dunning::DunningPolicy) -> Value {
    json!({ "steps": policy.steps().iter().map(|s| json!({ "offset_days": s.offset_days, "template": s.template.as_str(), "credit_hold": s.credit_hold })).collect::<Vec<_>>() })
}

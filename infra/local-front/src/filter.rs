//! Event-source mapping filters (the subset our template uses and AWS
//! documents as the basic form): a pattern is nested objects whose leaves
//! are arrays of allowed literal values; a record passes when every leaf
//! matches. A record passes a mapping when any of its patterns matches.

use serde_json::Value;

pub fn matches(pattern: &Value, record: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields.iter().all(|(k, p)| match record.get(k) {
            Some(r) => matches(p, r),
            None => false,
        }),
        Value::Array(allowed) => allowed.iter().any(|a| a == record),
        other => other == record,
    }
}

pub fn passes(filters: &[Value], record: &Value) -> bool {
    filters.is_empty() || filters.iter().any(|f| matches(f, record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_record_passes_only_when_every_leaf_matches() {
        let p = json!({"eventName": ["INSERT"], "dynamodb": {"Keys": {"sk": {"S": ["MESSAGE"]}}}});
        assert!(matches(&p, &json!({"eventName": "INSERT", "dynamodb": {"Keys": {"sk": {"S": "MESSAGE"}, "pk": {"S": "x"}}}})));
        assert!(!matches(&p, &json!({"eventName": "MODIFY", "dynamodb": {"Keys": {"sk": {"S": "MESSAGE"}}}})));
        assert!(!matches(&p, &json!({"eventName": "INSERT", "dynamodb": {"Keys": {"sk": {"S": "INVOICE"}}}})));
        assert!(passes(&[], &json!({})));
    }
}

//! Domain values to and from DynamoDB items. The domain value sits under
//! `data`; keys, `entity` and `version` sit beside it so conditions and
//! indexes never reach inside it.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use o2c_domain::outbox::OutboxMessage;
use o2c_domain::ports::StoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::keys;

pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(crate) fn to_data<T: Serialize>(value: &T) -> Result<AttributeValue, StoreError> {
    let item: Item = serde_dynamo::to_item(value).map_err(|e| StoreError::Corrupt(format!("encode: {e}")))?;
    let data = AttributeValue::M(item);
    // The data model stores no empty map (docs/data-model.md): DynamoDB
    // Local's stream encodes one in a way the SDK cannot read, and the
    // stream then stalls for every consumer. Refusing it here turns that
    // into an error at the write that caused it.
    if let Some(path) = empty_map_path(&data, "data") {
        return Err(StoreError::Corrupt(format!("an empty map at {path} would be stored")));
    }
    Ok(data)
}

/// Where `value` holds an empty map, if anywhere.
fn empty_map_path(value: &AttributeValue, path: &str) -> Option<String> {
    match value {
        AttributeValue::M(m) if m.is_empty() => Some(path.to_owned()),
        AttributeValue::M(m) => m.iter().find_map(|(k, v)| empty_map_path(v, &format!("{path}.{k}"))),
        AttributeValue::L(l) => l.iter().enumerate().find_map(|(i, v)| empty_map_path(v, &format!("{path}[{i}]"))),
        _ => None,
    }
}


pub(crate) fn from_data<T: DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    match item.get("data") {
        Some(AttributeValue::M(m)) => serde_dynamo::from_item(m.clone()).map_err(|e| StoreError::Corrupt(format!("decode: {e}"))),
        _ => Err(StoreError::Corrupt("item has no data map".into())),
    }
}

pub(crate) fn read_u64(item: &Item, name: &str) -> Result<u64, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().map_err(|_| StoreError::Corrupt(format!("{name} is not a whole number"))),
        None => Ok(0),
        _ => Err(StoreError::Corrupt(format!("{name} is not a number"))),
    }
}

pub(crate) fn read_i64(item: &Item, name: &str) -> Result<i64, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().map_err(|_| StoreError::Corrupt(format!("{name} is not a whole number"))),
        None => Ok(0),
        _ => Err(StoreError::Corrupt(format!("{name} is not a number"))),
    }
}

/// Whether a stream image is an outbox message (the relay's filter, also
/// declared as the event source mapping's filter in template.yaml).
pub trait IsOutboxImage {
    fn is_outbox_message(&self) -> bool;
}

impl IsOutboxImage for serde_dynamo::Item {
    fn is_outbox_message(&self) -> bool {
        matches!(self.get(keys::SK), Some(serde_dynamo::AttributeValue::S(sk)) if sk == keys::OUTBOX_SK)
            && matches!(self.get(keys::PK), Some(serde_dynamo::AttributeValue::S(pk)) if pk.starts_with("OUTBOX#"))
    }
}

/// Reads the outbox message out of a stream record's new image.
pub fn outbox_message_from_image(image: &serde_dynamo::Item) -> Result<OutboxMessage, StoreError> {
    match image.get("data") {
        Some(serde_dynamo::AttributeValue::M(m)) => {
            serde_dynamo::from_item(serde_dynamo::Item::from(m.clone())).map_err(|e| StoreError::Corrupt(format!("outbox image: {e}")))
        }
        _ => Err(StoreError::Corrupt("outbox image has no data map".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_holding_an_empty_map_anywhere_is_refused_with_its_path() {
        let err = to_data(&serde_json::json!({"payload": {"lines": [{"metadata": {}}]}})).unwrap_err();
        assert_eq!(err, StoreError::Corrupt("an empty map at data.payload.lines[0].metadata would be stored".into()));
        assert!(to_data(&serde_json::json!({"payload": {"lines": []}})).is_ok(), "empty lists are fine");
    }
}

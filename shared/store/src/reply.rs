//! The saved Idempotency-Key answer, as a transaction item: it completes
//! the claim only if the claim is still ours and still in flight.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use o2c_domain::idempotency::IdempotentReply;
use o2c_domain::ports::StoreError;

use crate::keys;
use crate::record::{n, s};

pub(crate) fn response_value(reply: &IdempotentReply) -> AttributeValue {
    let mut m = std::collections::HashMap::new();
    m.insert("status".to_owned(), n(reply.response.status));
    m.insert("content_type".to_owned(), s(reply.response.content_type.clone()));
    m.insert("body".to_owned(), s(reply.response.body.clone()));
    AttributeValue::M(m)
}

pub(crate) fn complete(table: &str, reply: &IdempotentReply) -> Result<Update, StoreError> {
    Update::builder()
        .table_name(table)
        .key(keys::PK, s(keys::idempotency_pk(&reply.claim.scope)))
        .key(keys::SK, s(keys::IDEMPOTENCY_SK))
        .update_expression("SET #state = :done, #response = :response")
        .condition_expression("fingerprint = :fp AND #state = :in_flight")
        .expression_attribute_names("#state", "state")
        .expression_attribute_names("#response", "response")
        .expression_attribute_values(":done", s("done"))
        .expression_attribute_values(":in_flight", s("in_flight"))
        .expression_attribute_values(":fp", s(reply.claim.fingerprint.clone()))
        .expression_attribute_values(":response", response_value(reply))
        .build()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn complete_item(table: &str, reply: &Option<IdempotentReply>) -> Result<Option<TransactWriteItem>, StoreError> {
    match reply {
        Some(r) => Ok(Some(TransactWriteItem::builder().update(complete(table, r)?).build())),
        None => Ok(None),
    }
}

//! Outbox items: written inside the transaction of the change that causes
//! them; the table's stream carries them to the relay. They expire by TTL
//! once the relay has had ample time (the stream keeps records 24 h).

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use chrono::Duration;
use o2c_domain::outbox::OutboxMessage;
use o2c_domain::ports::StoreError;

use crate::keys;
use crate::record::{n, s, to_data, Item};

pub const OUTBOX_RETENTION_DAYS: i64 = 7;

pub(crate) fn outbox_put(table: &str, message: &OutboxMessage) -> Result<TransactWriteItem, StoreError> {
    let mut item = Item::new();
    item.insert(keys::PK.into(), s(keys::outbox_pk(message.event.id)));
    item.insert(keys::SK.into(), s(keys::OUTBOX_SK));
    item.insert("entity".into(), s("outbox_message"));
    item.insert("event_type".into(), s(message.event.event_type.as_str()));
    item.insert("expires_at".into(), n((message.event.occurred_at + Duration::days(OUTBOX_RETENTION_DAYS)).timestamp()));
    item.insert("data".into(), to_data(message)?);
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// The token that makes a transaction safe to resend: the SDK retries a
/// request whose response was lost with the same token, and DynamoDB
/// answers success instead of failing the retry's own conditions. Each
/// change carries fresh event ids, so the first one names the change.
pub(crate) fn request_token(outbox: &[OutboxMessage]) -> Option<String> {
    outbox.first().map(|m| m.event.id.ulid().to_string())
}

//! The two shapes every change is written with: a put guarded by a
//! version (or create-only), and one `TransactWriteItems` carrying the
//! change's request token, metered.

use aws_sdk_dynamodb::types::{Put, ReturnConsumedCapacity, TransactWriteItem};
use o2c_domain::ports::StoreError;

use crate::error::{built, from_transact};
use crate::record::{n, Item};
use crate::DynamoStore;

/// DynamoDB's limit on items per transaction.
const MAX_TRANSACTION_ITEMS: usize = 100;

/// `None` creates `item` (it must not exist); `Some(v)` replaces it only
/// while it is still at version `v`.
pub(crate) fn versioned_put(table: &str, item: Item, expected_version: Option<u64>) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder().table_name(table).set_item(Some(item));
    let put = match expected_version {
        None => put.condition_expression("attribute_not_exists(pk)"),
        Some(v) => put.condition_expression("version = :expected").expression_attribute_values(":expected", n(v)),
    };
    Ok(TransactWriteItem::builder().put(built(put.build())?).build())
}

/// A put that fails if the item exists (sentinels, claims, timeline items).
pub(crate) fn create_only(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    versioned_put(table, item, None)
}

impl DynamoStore {
    /// Commits `writes` atomically. `token` (the change's first event id)
    /// makes an SDK retry after a lost response succeed instead of failing
    /// on its own conditions.
    pub(crate) async fn transact(&self, writes: Vec<TransactWriteItem>, token: Option<String>) -> Result<(), StoreError> {
        if writes.len() > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::Corrupt(format!("a change of {} items exceeds one transaction", writes.len())));
        }
        let out = self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .set_client_request_token(token)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(from_transact)?;
        self.capacity.record(out.consumed_capacity());
        Ok(())
    }
}

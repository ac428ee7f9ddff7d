//! DynamoDB adapter: implements the domain's store ports on one table.
//! The key design is in `docs/data-model.md`; `keys` is its code form.

mod addresses;
mod api_keys;
mod balances;
mod bank;
pub mod capacity;
mod customers;
mod error;
mod idempotency;
mod invoices;
mod journal;
pub mod keys;
mod lists;
mod open_items;
mod outbox;
mod payments;
mod processor_ledger;
mod reads;
mod reminders;
mod transact;
mod record;
mod reply;
pub mod send_ledger;

use aws_sdk_dynamodb::Client;

/// The o2c table, reached through the SDK client built once per cold start.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
    capacity: std::sync::Arc<capacity::CapacityMeter>,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into(), capacity: Default::default() }
    }

    /// Capacity units this store's calls consumed, as DynamoDB reported
    /// them (`ReturnConsumedCapacity`): what a request path costs.
    pub fn capacity(&self) -> &capacity::CapacityMeter {
        &self.capacity
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

pub use outbox::OUTBOX_RETENTION_DAYS;
pub use record::{outbox_message_from_image, IsOutboxImage};

impl DynamoStore {
    /// Opens the connection during cold start (a cheap read of a key that
    /// never exists) so the first request does not pay the TLS handshake.
    pub async fn warm(&self) {
        let _ = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, aws_sdk_dynamodb::types::AttributeValue::S("WARMUP".into()))
            .key(keys::SK, aws_sdk_dynamodb::types::AttributeValue::S("WARMUP".into()))
            .send()
            .await;
    }
}

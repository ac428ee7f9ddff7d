//! Address items: `ADDRESS#<email>` holds what the mail service told us
//! about an address (bounced, complained). Customers show the status of
//! their address; deliveries skip addresses that are not `ok`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use o2c_domain::customer::EmailStatus;
use o2c_domain::ports::{AddressBook, StoreError};
use o2c_domain::text::Email;

use crate::error::done_if_conflict;
use crate::record::{s, Item};
use crate::DynamoStore;

pub(crate) fn address_pk(address: &str) -> String {
    format!("ADDRESS#{}", address.to_ascii_lowercase())
}
pub(crate) const ADDRESS_SK: &str = "ADDRESS";

pub(crate) fn address_key(address: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([("pk".to_owned(), s(address_pk(address))), ("sk".to_owned(), s(ADDRESS_SK))])
}

pub(crate) fn status_of(item: Option<&Item>) -> EmailStatus {
    match item.and_then(|i| i.get("status")) {
        Some(AttributeValue::S(v)) if v == "bounced" => EmailStatus::Bounced,
        Some(AttributeValue::S(v)) if v == "complained" => EmailStatus::Complained,
        _ => EmailStatus::Ok,
    }
}

impl AddressBook for DynamoStore {
    async fn mark_address(&self, address: &Email, status: EmailStatus, at: DateTime<Utc>, detail: &str) -> Result<(), StoreError> {
        let status = match status {
            EmailStatus::Ok => "ok",
            EmailStatus::Bounced => "bounced",
            EmailStatus::Complained => "complained",
        };
        // A complaint is never overwritten by a later bounce: it is the
        // stronger "do not send".
        let res = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(address_pk(address.as_str())))
            .item("sk", s(ADDRESS_SK))
            .item("entity", s("address"))
            .item("status", s(status))
            .item("at", s(at.to_rfc3339()))
            .item("detail", s(detail.chars().take(500).collect::<String>()))
            .condition_expression("attribute_not_exists(pk) OR #status <> :complained OR :status = :complained")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":complained", s("complained"))
            .expression_attribute_values(":status", s(status))
            .send()
            .await;
        done_if_conflict(res)
    }

    async fn address_statuses(&self, addresses: &[Email]) -> Result<Vec<EmailStatus>, StoreError> {
        let keys: Vec<_> = addresses.iter().map(|a| address_key(a.as_str())).collect();
        let items = self.batch_get(keys).await?;
        Ok(addresses
            .iter()
            .map(|a| status_of(items.iter().find(|i| i.get("pk") == Some(&s(address_pk(a.as_str()))))))
            .collect())
    }
}


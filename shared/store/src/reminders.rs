//! The reminder index (gsi4, sparse, keys only) and the reminder fire's
//! one transaction.


use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use o2c_domain::ids::{CustomerId, InvoiceId};
use o2c_domain::ports::{IndexedReminder, ReminderChange, ReminderIndex, ReminderWrite, StoreError};

use crate::keys;
use crate::outbox::{outbox_put, request_token};
use crate::record::s;
use crate::DynamoStore;

const INDEX: &str = "gsi4";

impl DynamoStore {
    /// Every index entry of partition `pk` with a sort key in `[low, high]`.
    async fn query_reminders(&self, pk: String, low: String, high: String) -> Result<Vec<IndexedReminder>, StoreError> {
        let q = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(INDEX)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :low AND :high")
            .expression_attribute_names("#pk", keys::GSI4PK)
            .expression_attribute_names("#sk", keys::GSI4SK)
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":low", s(low))
            .expression_attribute_values(":high", s(high));
        let mut found = Vec::new();
        for item in self.query_all(q, None).await? {
            let Some(AttributeValue::S(sk)) = item.get(keys::GSI4SK) else { continue };
            found.push(parse_sk(sk)?);
        }
        Ok(found)
    }
}

fn parse_sk(sk: &str) -> Result<IndexedReminder, StoreError> {
    let corrupt = || StoreError::Corrupt(format!("reminder index entry {sk}"));
    let mut parts = sk.split('#');
    let (Some(at), Some(customer), Some(invoice), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else { return Err(corrupt()) };
    Ok(IndexedReminder {
        send_at: DateTime::parse_from_rfc3339(at).map_err(|_| corrupt())?.with_timezone(&Utc),
        customer: CustomerId::parse(customer).map_err(|_| corrupt())?,
        invoice: InvoiceId::parse(invoice).map_err(|_| corrupt())?,
    })
}

impl ReminderIndex for DynamoStore {
    async fn reminders_at(&self, send_at: DateTime<Utc>) -> Result<Vec<IndexedReminder>, StoreError> {
        // `<instant>#` up to `<instant>#~` in every shard: exactly the
        // entries at this instant (`~` sorts after every id).
        let prefix = format!("{}#", keys::reminder_instant(send_at));
        let mut all = Vec::new();
        for pk in keys::shard_keys("REMIND") {
            all.extend(self.query_reminders(pk, prefix.clone(), format!("{prefix}~")).await?);
        }
        Ok(all)
    }

    async fn reminders_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<IndexedReminder>, StoreError> {
        // `<from>` sorts before every entry at `from` (they go on with
        // `#…`), `<to>` before every entry at `to`: the range is [from, to).
        let (low, high) = (keys::reminder_instant(from), keys::reminder_instant(to));
        let mut all = Vec::new();
        for pk in keys::shard_keys("REMIND") {
            all.extend(self.query_reminders(pk, low.clone(), high.clone()).await?);
        }
        all.sort_by_key(|r| (r.send_at, r.customer, r.invoice));
        Ok(all)
    }
}

impl ReminderWrite for DynamoStore {
    async fn commit_reminders(&self, change: ReminderChange<'_>) -> Result<(), StoreError> {
        let mut writes = Vec::with_capacity(change.invoices.len() + change.timeline.len() + change.outbox.len() + 1);
        for v in change.invoices {
            writes.push(self.invoice_put(&v.value, Some(v.version))?);
        }
        for (invoice, item) in change.timeline {
            writes.push(self.timeline_put(*invoice, item)?);
        }
        if let Some(customer) = &change.customer {
            writes.push(self.customer_profile_put(customer.value, Some(customer.version))?);
        }
        for m in &change.outbox {
            writes.push(outbox_put(&self.table, m)?);
        }
        if writes.is_empty() {
            return Ok(());
        }
        self.transact(writes, request_token(&change.outbox)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_entry_reads_back_as_its_customer_instant_and_invoice() {
        let customer = CustomerId::from_ulid(ulid::Ulid::new());
        let invoice = InvoiceId::from_ulid(ulid::Ulid::new());
        let at = DateTime::parse_from_rfc3339("2026-12-07T14:00:00Z").unwrap().with_timezone(&Utc);
        let sk = keys::reminder_index_sk(at, customer, invoice);
        assert_eq!(parse_sk(&sk).unwrap(), IndexedReminder { customer, send_at: at, invoice });
        assert!(parse_sk("garbage").is_err());
    }

    #[test]
    fn index_instants_sort_as_time() {
        let a = keys::reminder_instant(DateTime::parse_from_rfc3339("2026-12-07T09:00:00Z").unwrap().with_timezone(&Utc));
        let b = keys::reminder_instant(DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z").unwrap().with_timezone(&Utc));
        assert!(a < b && format!("{a}#cus_x") < b && format!("{a}#cus_x") > a);
    }
}

//! The open-items index the cash matcher reads: every open invoice with a
//! number and something due, in a sparse index that projects one short
//! attribute, so reading 1,000,000 open invoices reads about 100 bytes each
//! instead of whole invoices.


use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;
use o2c_domain::customer::Customer;
use o2c_domain::ids::{CustomerId, InvoiceId};
use o2c_domain::invoice::Invoice;
use o2c_domain::invoice_number::InvoiceNumber;
use o2c_domain::invoice_status::InvoiceStatus;
use o2c_domain::matching::{Discount, OpenItem, Payer};
use o2c_domain::money::Currency;
use o2c_domain::ports::{LedgerSource, StoreError};

use crate::keys;
use crate::record::{from_data, s, Item};
use crate::DynamoStore;

pub(crate) const OPEN_ITEM: &str = "open_item";

/// `customer|invoice|number|currency|due_minor|due_date|discount_minor|discount_until`
/// for an invoice the matcher should see, else `None` (the item leaves the index).
pub(crate) fn open_item_attribute(invoice: &Invoice) -> Option<String> {
    let number = invoice.number?;
    let due = invoice.amount_due();
    if invoice.status != InvoiceStatus::Open || !due.is_positive() {
        return None;
    }
    // The discount is for paying the whole invoice early; once anything
    // is paid or credited it no longer applies.
    let untouched = invoice.amount_paid.is_zero() && invoice.amount_credited.is_zero();
    let (disc, until) = match invoice.discount_offer() {
        Some((amount, until)) if untouched => (amount.to_minor().to_string(), until.to_string()),
        _ => (String::new(), String::new()),
    };
    Some(format!("{}|{}|{}|{}|{}|{}|{disc}|{until}", invoice.customer, invoice.id, number, invoice.currency, due.to_minor(), invoice.due_date.map(|d| d.to_string()).unwrap_or_default()))
}

fn parse_open_item(text: &str) -> Option<OpenItem> {
    let f: Vec<&str> = text.split('|').collect();
    let [customer, invoice, number, currency, due, due_date, disc, until] = f.as_slice() else { return None };
    let date = |t: &str| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok();
    let discount = match (disc.parse::<i64>().ok(), date(until)) {
        (Some(amount_minor), Some(until)) => Some(Discount { amount_minor, until }),
        _ => None,
    };
    Some(OpenItem {
        invoice: InvoiceId::parse(invoice).ok()?,
        number: InvoiceNumber::parse(number).ok()?,
        customer: CustomerId::parse(customer).ok()?,
        currency: Currency::parse(currency).ok()?,
        due_minor: due.parse().ok()?,
        due_date: date(due_date),
        discount,
    })
}

impl DynamoStore {
    /// Every item of one index partition (eventually consistent: the
    /// matcher re-reads what it applies).
    async fn index_partition(&self, index: &str, pk_attr: &str, pk: String, projection: Option<&str>) -> Result<Vec<Item>, StoreError> {
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_values(":pk", s(pk));
        if let Some(p) = projection {
            q = q.projection_expression("#p").expression_attribute_names("#p", p);
        }
        self.query_all(q, None).await
    }
}

impl DynamoStore {
    /// Files every open invoice in the open-items index: for a table whose
    /// invoices were written before the index existed (every later write
    /// keeps it current). Answers how many were filed. Safe to run again,
    /// and beside live traffic: each write is conditioned on the version
    /// read, and a newer write files the invoice itself.
    pub async fn backfill_open_items(&self) -> Result<usize, StoreError> {
        let mut filed = 0;
        for pk in keys::shard_keys("INVOICES#open") {
            for key in self.index_partition("gsi3", keys::GSI3PK, pk, None).await? {
                let (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) = (key.get(keys::PK), key.get(keys::SK)) else { continue };
                let Some(item) = self.get_consistent(pk.clone(), sk).await? else { continue };
                let invoice: Invoice = from_data(&item)?;
                let Some(open) = open_item_attribute(&invoice) else { continue };
                let version = crate::record::read_u64(&item, "version")?;
                let done = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .key(keys::PK, s(pk.clone()))
                    .key(keys::SK, s(sk.clone()))
                    .update_expression("SET #pk5 = :pk5, #sk5 = :sk5, #open = :open")
                    .condition_expression("version = :v")
                    .expression_attribute_names("#pk5", keys::GSI5PK)
                    .expression_attribute_names("#sk5", keys::GSI5SK)
                    .expression_attribute_names("#open", OPEN_ITEM)
                    .expression_attribute_values(":pk5", s(keys::open_items_pk(invoice.id)))
                    .expression_attribute_values(":sk5", s(invoice.id.to_string()))
                    .expression_attribute_values(":open", s(open))
                    .expression_attribute_values(":v", crate::record::n(version))
                    .send()
                    .await;
                if crate::error::done_if_conflict(done).is_ok() {
                    filed += 1;
                }
            }
        }
        Ok(filed)
    }
}

impl LedgerSource for DynamoStore {
    async fn open_items(&self) -> Result<Vec<OpenItem>, StoreError> {
        let shards = keys::shard_keys("OPENITEMS");
        let reads = shards.into_iter().map(|pk| self.index_partition("gsi5", keys::GSI5PK, pk, Some(OPEN_ITEM)));
        let mut out = Vec::new();
        for items in futures::future::try_join_all(reads).await? {
            for item in items {
                if let Some(AttributeValue::S(text)) = item.get(OPEN_ITEM) {
                    out.extend(parse_open_item(text));
                }
            }
        }
        Ok(out)
    }

    async fn payers(&self) -> Result<Vec<Payer>, StoreError> {
        let reads = keys::shard_keys("CUSTOMERS").into_iter().map(|pk| self.index_partition("gsi1", keys::GSI1PK, pk, None));
        let mut out = Vec::new();
        for items in futures::future::try_join_all(reads).await? {
            for item in items {
                let customer: Customer = from_data(&item)?;
                out.push(Payer { customer: customer.id, name: customer.name.to_string() });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_item_reads_back_as_written() {
        let text = format!("{}|{}|INV-2026-000042|EUR|12345|2026-12-01|247|2026-11-11", CustomerId::from_ulid(ulid::Ulid::new()), InvoiceId::from_ulid(ulid::Ulid::new()));
        let item = parse_open_item(&text).unwrap();
        assert_eq!((item.due_minor, item.discount.map(|d| d.amount_minor)), (12_345, Some(247)));
        let without = text.replace("|247|2026-11-11", "||");
        assert_eq!(parse_open_item(&without).unwrap().discount, None);
        assert!(parse_open_item("garbage").is_none());
    }
}

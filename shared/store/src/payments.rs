//! Payment items and the one transaction that applies a payment: the
//! payment, the invoices it touches (each under its version) with their
//! timeline items, the customer's balances, the processor ids it claims,
//! the processor event it settles, the outbox and the saved answer.

use aws_sdk_dynamodb::types::{Delete, TransactWriteItem, Update};
use o2c_domain::ids::PaymentId;
use o2c_domain::payment::{Payment, PaymentStatus};
use o2c_domain::ports::{EventSettlement, Page, PageRequest, PaymentChange, PaymentFilter, PaymentList, PaymentRead, PaymentWrite, StoreError, Versioned};

use crate::balances::balance_write;
use crate::error::built;
use crate::keys;
use crate::transact::{create_only, versioned_put};
use crate::lists::query_shards;
use crate::outbox::{outbox_put, request_token};
use crate::processor_ledger::event_record_put;
use crate::record::{from_data, n, read_u64, s, to_data, Item};
use crate::reply::complete_item;
use crate::DynamoStore;

impl DynamoStore {
    fn payment_put(&self, payment: &Payment, expected_version: Option<u64>) -> Result<TransactWriteItem, StoreError> {
        let version = expected_version.map_or(1, |v| v + 1);
        let status = payment.status();
        let mut item = Item::new();
        item.insert(keys::PK.into(), s(keys::payment_pk(payment.id)));
        item.insert(keys::SK.into(), s(keys::PAYMENT_SK));
        let list = match (payment.customer, status) {
            (_, PaymentStatus::Exception) | (None, _) => keys::PAYMENT_EXCEPTIONS_PK.to_owned(),
            (Some(c), _) => keys::payments_of_customer_pk(c),
        };
        item.insert(keys::GSI1PK.into(), s(list));
        item.insert(keys::GSI1SK.into(), s(payment.id.to_string()));
        item.insert("entity".into(), s("payment"));
        item.insert("status".into(), s(status.as_str()));
        item.insert("version".into(), n(version));
        item.insert("data".into(), to_data(payment)?);
        versioned_put(&self.table, item, expected_version)
    }
}

impl PaymentRead for DynamoStore {
    async fn payment(&self, id: PaymentId) -> Result<Option<Versioned<Payment>>, StoreError> {
        let Some(item) = self.get_consistent(keys::payment_pk(id), keys::PAYMENT_SK).await? else { return Ok(None) };
        let item = &item;
        Ok(Some(Versioned { value: from_data(item)?, version: read_u64(item, "version")? }))
    }
}

impl PaymentWrite for DynamoStore {
    async fn commit_payment(&self, change: PaymentChange<'_>) -> Result<(), StoreError> {
        let payment = change.payment;
        let mut writes = vec![self.payment_put(payment, change.expected_version)?];
        for update in &change.invoices {
            writes.push(self.invoice_put(&update.invoice, Some(update.expected_version))?);
            for item in &update.timeline {
                writes.push(self.timeline_put(update.invoice.id, item)?);
            }
        }
        if let Some(customer) = payment.customer {
            writes.extend(balance_write(&self.table, customer, change.balance_change, change.expected_version.is_none())?);
        }
        let provider = payment.processor.as_ref().map(|p| p.provider.as_str()).unwrap_or("manual");
        for claim in &change.claims {
            let mut item = Item::new();
            item.insert(keys::PK.into(), s(keys::processor_ref_pk(provider, claim.as_str())));
            item.insert(keys::SK.into(), s(keys::PROCESSOR_REF_SK));
            item.insert("entity".into(), s("processor_ref"));
            item.insert("payment".into(), s(payment.id.to_string()));
            writes.push(create_only(&self.table, item)?);
        }
        match &change.settles {
            Some(EventSettlement::Record(record)) => writes.push(TransactWriteItem::builder().put(event_record_put(&self.table, record)?).build()),
            Some(EventSettlement::Unpark { provider, event, park_key, payment }) => {
                let update = Update::builder()
                    .table_name(&self.table)
                    .key(keys::PK, s(keys::processor_event_pk(provider, event.as_str())))
                    .key(keys::SK, s(keys::PROCESSOR_EVENT_SK))
                    .update_expression("SET outcome = :applied, payment = :payment")
                    .condition_expression("outcome = :parked")
                    .expression_attribute_values(":applied", s("applied"))
                    .expression_attribute_values(":parked", s("parked"))
                    .expression_attribute_values(":payment", s(payment.to_string()));
                writes.push(TransactWriteItem::builder().update(built(update.build())?).build());
                let delete = Delete::builder().table_name(&self.table).key(keys::PK, s(keys::parked_pk(provider, park_key.as_str()))).key(keys::SK, s(keys::parked_sk(event.as_str())));
                writes.push(TransactWriteItem::builder().delete(built(delete.build())?).build());
            }
            None => {}
        }
        for message in &change.outbox {
            writes.push(outbox_put(&self.table, message)?);
        }
        writes.extend(complete_item(&self.table, &change.reply)?);
        for entry in &change.bank_entries {
            writes.extend(self.entry_writes(entry)?);
        }
        let version = change.expected_version.map_or(1, |v| v + 1);
        // Numbered version x 100 + position: a change may post several
        // (a withdrawn discount, then the cash), and the next version's
        // never collide with them.
        writes.extend(self.journal_writes(&payment.id.to_string(), version * 100, &change.journal).await?);
        self.transact(writes, request_token(&change.outbox)).await
    }
}

impl PaymentList for DynamoStore {
    async fn list_payments(&self, filter: &PaymentFilter, page: &PageRequest) -> Result<Page<Payment>, StoreError> {
        // Both lists are one gsi1 partition (projection ALL): a customer's
        // payments, or the few exceptions.
        let (pk, status) = match filter {
            PaymentFilter::Customer(c) => (keys::payments_of_customer_pk(*c), None),
            PaymentFilter::Exceptions => (keys::PAYMENT_EXCEPTIONS_PK.to_owned(), Some(("status", PaymentStatus::Exception.as_str()))),
        };
        let found = query_shards(self, "gsi1", keys::GSI1PK, keys::GSI1SK, &[pk], page, status).await?;
        Ok(Page { data: found.items.iter().map(from_data).collect::<Result<_, _>>()?, has_more: found.has_more })
    }
}

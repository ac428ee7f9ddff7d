//! Processor events as received (raw bytes kept for audit, the event id
//! as the deduplication key), the processor ids that tie charges and
//! payment intents to payments, and events parked until their payment
//! arrives. Also the lookups payers' hints need.

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, ReturnConsumedCapacity, TransactWriteItem};
use o2c_domain::ids::{CustomerId, InvoiceId, PaymentId};
use o2c_domain::invoice_number::InvoiceNumber;
use o2c_domain::ports::{EventOutcome, EventRecord, ParkedEvent, PayerDirectory, ProcessorLedger, StoreError};
use o2c_domain::processor_event::{ProcessorEvent, ProcessorRef};

use crate::error::{built, from_sdk};
use crate::keys;
use crate::record::{from_data, s, to_data, Item};
use crate::DynamoStore;

/// The create-only audit record of one processor event.
pub(crate) fn event_record_put(table: &str, record: &EventRecord) -> Result<Put, StoreError> {
    let mut item = Item::new();
    item.insert(keys::PK.into(), s(keys::processor_event_pk(record.provider, record.event.id.as_str())));
    item.insert(keys::SK.into(), s(keys::PROCESSOR_EVENT_SK));
    item.insert("entity".into(), s("processor_event"));
    item.insert("provider".into(), s(record.provider));
    item.insert("event_type".into(), s(record.event.event_type.clone()));
    item.insert("outcome".into(), s(record.outcome.as_str()));
    item.insert("received_at".into(), s(record.received_at.to_rfc3339()));
    // The exact bytes as received: what the signature covered.
    item.insert("raw".into(), s(record.raw.clone()));
    if let Some(p) = record.payment {
        item.insert("payment".into(), s(p.to_string()));
    }
    built(Put::builder().table_name(table).set_item(Some(item)).condition_expression("attribute_not_exists(pk)").build())
}

fn get_string(item: &Item, name: &str) -> Option<String> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Some(v.clone()),
        _ => None,
    }
}

impl ProcessorLedger for DynamoStore {
    async fn event_outcome(&self, provider: &str, event: &ProcessorRef) -> Result<Option<EventOutcome>, StoreError> {
        let Some(item) = self.get_consistent(keys::processor_event_pk(provider, event.as_str()), keys::PROCESSOR_EVENT_SK).await? else { return Ok(None) };
        match get_string(&item, "outcome").as_deref() {
            Some("applied") => Ok(Some(EventOutcome::Applied)),
            Some("parked") => Ok(Some(EventOutcome::Parked)),
            Some("ignored") => Ok(Some(EventOutcome::Ignored)),
            other => Err(StoreError::Corrupt(format!("processor event outcome {other:?}"))),
        }
    }

    async fn payment_for(&self, provider: &str, processor_id: &ProcessorRef) -> Result<Option<PaymentId>, StoreError> {
        let Some(item) = self.get_consistent(keys::processor_ref_pk(provider, processor_id.as_str()), keys::PROCESSOR_REF_SK).await? else { return Ok(None) };
        let text = get_string(&item, "payment").ok_or_else(|| StoreError::Corrupt("processor ref without payment".into()))?;
        PaymentId::parse(&text).map(Some).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    async fn park(&self, record: &EventRecord, key: &ProcessorRef, unknown: &[ProcessorRef]) -> Result<(), StoreError> {
        let mut writes = vec![TransactWriteItem::builder().put(event_record_put(&self.table, record)?).build()];
        let mut parked = Item::new();
        parked.insert(keys::PK.into(), s(keys::parked_pk(record.provider, key.as_str())));
        parked.insert(keys::SK.into(), s(keys::parked_sk(record.event.id.as_str())));
        parked.insert("entity".into(), s("parked_event"));
        parked.insert("data".into(), to_data(&record.event)?);
        writes.push(TransactWriteItem::builder().put(built(Put::builder().table_name(&self.table).set_item(Some(parked)).build())?).build());
        // Parking races the payment's arrival: the payment's transaction
        // claims these ids, so exactly one of the two sees the other.
        for id in unknown {
            let check = ConditionCheck::builder()
                .table_name(&self.table)
                .key(keys::PK, s(keys::processor_ref_pk(record.provider, id.as_str())))
                .key(keys::SK, s(keys::PROCESSOR_REF_SK))
                .condition_expression("attribute_not_exists(pk)");
            writes.push(TransactWriteItem::builder().condition_check(built(check.build())?).build());
        }
        // No token: a resent park fails on its own record, which the
        // caller reads as "already recorded".
        self.transact(writes, None).await
    }

    async fn record_ignored(&self, record: &EventRecord) -> Result<(), StoreError> {
        let put = event_record_put(&self.table, record)?;
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(put.item().clone()))
            .condition_expression("attribute_not_exists(pk)")
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(from_sdk)?;
        if let Some(c) = out.consumed_capacity() {
            self.capacity.record(std::slice::from_ref(c));
        }
        Ok(())
    }

    async fn parked(&self, provider: &str, keys_: &[ProcessorRef]) -> Result<Vec<ParkedEvent>, StoreError> {
        let mut found = Vec::new();
        for key in keys_ {
            for item in self.query_partition(keys::parked_pk(provider, key.as_str()), None).await? {
                let event: ProcessorEvent = from_data(&item)?;
                found.push(ParkedEvent { key: key.clone(), event });
            }
        }
        found.sort_by(|a, b| (a.event.created, a.event.id.as_str()).cmp(&(b.event.created, b.event.id.as_str())));
        Ok(found)
    }
}

impl PayerDirectory for DynamoStore {
    async fn customer_by_external_id(&self, external_id: &str) -> Result<Option<CustomerId>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("gsi3")
            .key_condition_expression("gsi3pk = :pk")
            .expression_attribute_values(":pk", s(keys::customer_external_id_pk(external_id)))
            .limit(2)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(from_sdk)?;
        self.capacity.record_read(out.consumed_capacity());
        // Two customers sharing one external id: refuse to guess.
        if out.items().len() != 1 {
            return Ok(None);
        }
        let id = out.items()[0].get(keys::GSI3SK).and_then(|v| v.as_s().ok()).and_then(|t| CustomerId::parse(t).ok());
        Ok(id)
    }

    async fn invoice_by_number(&self, number: InvoiceNumber) -> Result<Option<InvoiceId>, StoreError> {
        let Some(item) = self.get_consistent(keys::number_sentinel_pk(number), keys::NUMBER_SENTINEL_SK).await? else { return Ok(None) };
        Ok(get_string(&item, "invoice").and_then(|t| InvoiceId::parse(&t).ok()))
    }
}

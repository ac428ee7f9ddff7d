//! Invoice items, the per-year number counter and its sentinels, timeline
//! items: every invoice change is one `TransactWriteItems`.

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use o2c_domain::ids::InvoiceId;
use o2c_domain::invoice::Invoice;
use o2c_domain::ports::{InvoiceChange, InvoiceFilter, InvoiceList, InvoiceNumbering, InvoiceRead, InvoiceWrite, Page, PageRequest, StoreError, TimelineRead, Versioned};
use o2c_domain::timeline::{timeline_sort_key, TimelineItem};

use crate::balances::balance_write;
use crate::error::built;
use crate::keys;
use crate::transact::{create_only, versioned_put};
use crate::lists::query_shards;
use crate::outbox::{outbox_put, request_token};
use crate::reply::complete_item;
use crate::record::{from_data, n, read_u64, s, to_data, Item};
use crate::DynamoStore;


impl DynamoStore {
    pub(crate) fn invoice_put(&self, invoice: &Invoice, expected_version: Option<u64>) -> Result<TransactWriteItem, StoreError> {
        let version = expected_version.map_or(1, |v| v + 1);
        let mut item = Item::new();
        item.insert(keys::PK.into(), s(keys::invoice_pk(invoice.id)));
        item.insert(keys::SK.into(), s(keys::INVOICE_SK));
        item.insert(keys::GSI1PK.into(), s(keys::invoices_of_customer_pk(invoice.customer)));
        item.insert(keys::GSI1SK.into(), s(invoice.id.to_string()));
        item.insert(keys::GSI2PK.into(), s(keys::all_invoices_pk(invoice.id)));
        item.insert(keys::GSI2SK.into(), s(invoice.id.to_string()));
        item.insert(keys::GSI3PK.into(), s(keys::invoices_by_status_pk(invoice.status.as_str(), invoice.id)));
        item.insert(keys::GSI3SK.into(), s(invoice.id.to_string()));
        // Sparse: only a remindable invoice with a step to come is filed,
        // so paying, voiding or disputing it takes it out in this write.
        if let Some(send_at) = invoice.reminder_due_at() {
            item.insert(keys::GSI4PK.into(), s(keys::reminder_index_pk(invoice.customer)));
            item.insert(keys::GSI4SK.into(), s(keys::reminder_index_sk(send_at, invoice.customer, invoice.id)));
        }
        if let Some(open) = crate::open_items::open_item_attribute(invoice) {
            item.insert(keys::GSI5PK.into(), s(keys::open_items_pk(invoice.id)));
            item.insert(keys::GSI5SK.into(), s(invoice.id.to_string()));
            item.insert(crate::open_items::OPEN_ITEM.into(), s(open));
        }
        item.insert("entity".into(), s("invoice"));
        item.insert("status".into(), s(invoice.status.as_str()));
        item.insert("version".into(), n(version));
        item.insert("data".into(), to_data(invoice)?);
        versioned_put(&self.table, item, expected_version)
    }

    pub(crate) fn timeline_put(&self, invoice: InvoiceId, item: &TimelineItem) -> Result<TransactWriteItem, StoreError> {
        let mut it = Item::new();
        it.insert(keys::PK.into(), s(keys::invoice_pk(invoice)));
        it.insert(keys::SK.into(), s(keys::timeline_sk(&timeline_sort_key(item.at, item.id))));
        it.insert("entity".into(), s("timeline_item"));
        it.insert("data".into(), to_data(item)?);
        create_only(&self.table, it)
    }
}

impl InvoiceRead for DynamoStore {
    async fn invoice(&self, id: InvoiceId) -> Result<Option<Versioned<Invoice>>, StoreError> {
        let Some(item) = self.get_consistent(keys::invoice_pk(id), keys::INVOICE_SK).await? else { return Ok(None) };
        let item = &item;
        Ok(Some(Versioned { value: from_data(item)?, version: read_u64(item, "version")? }))
    }
}

impl InvoiceNumbering for DynamoStore {
    async fn next_sequence(&self, year: i32) -> Result<u64, StoreError> {
        match self.get_consistent(keys::number_counter_pk(year), keys::COUNTER_SK).await? {
            None => Ok(1),
            Some(item) => read_u64(&item, "next_sequence"),
        }
    }
}

impl InvoiceWrite for DynamoStore {
    async fn commit_invoice(&self, change: InvoiceChange<'_>) -> Result<(), StoreError> {
        let invoice = change.invoice;
        let mut writes = vec![self.invoice_put(invoice, change.expected_version)?];

        if let Some(number) = change.claims_number {
            // The counter must stand at exactly the claimed sequence: two
            // finalizes that read the same value cannot both commit, and a
            // failed transaction leaves no gap.
            let claimed = number.sequence();
            let counter = Update::builder()
                .table_name(&self.table)
                .key(keys::PK, s(keys::number_counter_pk(number.year())))
                .key(keys::SK, s(keys::COUNTER_SK))
                .update_expression("SET next_sequence = :next, entity = :entity");
            let counter = if claimed == 1 {
                counter.condition_expression("attribute_not_exists(pk)")
            } else {
                counter.condition_expression("next_sequence = :claimed").expression_attribute_values(":claimed", n(claimed))
            };
            let counter = counter.expression_attribute_values(":next", n(claimed + 1)).expression_attribute_values(":entity", s("invoice_number_counter"));
            writes.push(TransactWriteItem::builder().update(built(counter.build())?).build());

            let mut sentinel = Item::new();
            sentinel.insert(keys::PK.into(), s(keys::number_sentinel_pk(number)));
            sentinel.insert(keys::SK.into(), s(keys::NUMBER_SENTINEL_SK));
            sentinel.insert("entity".into(), s("invoice_number"));
            sentinel.insert("invoice".into(), s(invoice.id.to_string()));
            writes.push(create_only(&self.table, sentinel)?);
        }

        // A new invoice needs its customer to exist at commit time.
        writes.extend(balance_write(&self.table, invoice.customer, change.balance_change, change.expected_version.is_none())?);

        for message in &change.outbox {
            writes.push(outbox_put(&self.table, message)?);
        }
        for item in &change.timeline {
            writes.push(self.timeline_put(invoice.id, item)?);
        }
        writes.extend(complete_item(&self.table, &change.reply)?);

        self.transact(writes, request_token(&change.outbox)).await
    }
}

impl TimelineRead for DynamoStore {
    async fn timeline(&self, invoice: InvoiceId) -> Result<Vec<TimelineItem>, StoreError> {
        self.query_partition(keys::invoice_pk(invoice), Some(keys::TIMELINE_PREFIX)).await?.iter().map(from_data).collect()
    }
}

impl InvoiceList for DynamoStore {
    async fn list_invoices(&self, filter: &InvoiceFilter, page: &PageRequest) -> Result<Page<Invoice>, StoreError> {
        let status = filter.status.map(|s| s.as_str());
        let found = match (filter.customer, status) {
            // A customer's invoices carry their data in gsi1 (projection ALL);
            // a status narrows them with a filter (a customer has few).
            (Some(customer), status) => {
                let pk = [keys::invoices_of_customer_pk(customer)];
                let filter = status.map(|v| ("status", v));
                let p = query_shards(self, "gsi1", keys::GSI1PK, keys::GSI1SK, &pk, page, filter).await?;
                return Ok(Page { data: p.items.iter().map(from_data).collect::<Result<_, _>>()?, has_more: p.has_more });
            }
            (None, Some(status)) => query_shards(self, "gsi3", keys::GSI3PK, keys::GSI3SK, &keys::shard_keys(&format!("INVOICES#{status}")), page, None).await?,
            (None, None) => query_shards(self, "gsi2", keys::GSI2PK, keys::GSI2SK, &keys::shard_keys("INVOICES"), page, None).await?,
        };
        // gsi2/gsi3 hold keys only (cheap to write); fetch the page's items.
        let wanted: Vec<_> = found
            .items
            .iter()
            .filter_map(|i| Some(std::collections::HashMap::from([(keys::PK.to_owned(), i.get(keys::PK)?.clone()), (keys::SK.to_owned(), i.get(keys::SK)?.clone())])))
            .collect();
        let order: Vec<_> = wanted.iter().map(|k| k.get(keys::PK).cloned()).collect();
        let items = self.batch_get(wanted).await?;
        let mut data = Vec::with_capacity(items.len());
        for pk in order {
            if let Some(item) = items.iter().find(|i| i.get(keys::PK).cloned() == pk) {
                let invoice: Invoice = from_data(item)?;
                // The index is eventually consistent: drop what moved on.
                if filter.status.is_none_or(|s| s == invoice.status) {
                    data.push(invoice);
                }
            }
        }
        Ok(Page { data, has_more: found.has_more })
    }
}

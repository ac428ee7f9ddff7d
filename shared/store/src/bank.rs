//! Bank statements, their entries, the claims that make an entry's money
//! count once across statements, and pre-signed uploads.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity, ReturnValue, TransactWriteItem};
use chrono::{DateTime, NaiveDate, Utc};
use o2c_domain::bank_entry::{BankEntry, EntryKind, EntryStatus, EntryWrite};
use o2c_domain::bank_statement::{StatementRecord, StatementStatus, Upload};
use o2c_domain::ids::{StatementId, UploadId};
use o2c_domain::journal::Posting;
use o2c_domain::money::Money;
use o2c_domain::ports::{BankEntryList, BankEntryRead, BankEntryWrite, Page, PageRequest, StatementStore, StoreError, Versioned};

use crate::error::from_sdk;
use crate::keys;
use crate::record::{from_data, n, read_u64, s, to_data, Item};
use crate::transact::{create_only, versioned_put};
use crate::DynamoStore;

/// Which items a page is read from: a table partition, or an index's.
struct Partition<'a> {
    index: Option<&'a str>,
    pk_attr: &'a str,
    pk: String,
    sk_attr: &'a str,
    sk_prefix: Option<&'a str>,
}

fn booking(entry: &BankEntry) -> String {
    entry.booking_date.map(|d| d.to_string()).unwrap_or_else(|| "0000-00-00".into())
}

impl DynamoStore {
    /// The entry (and, when asked, its claim) as transaction items.
    pub(crate) fn entry_writes(&self, write: &EntryWrite) -> Result<Vec<TransactWriteItem>, StoreError> {
        let e = &write.entry;
        let version = write.expected_version.map_or(1, |v| v + 1);
        let mut item = Item::new();
        item.insert(keys::PK.into(), s(keys::statement_pk(e.statement)));
        item.insert(keys::SK.into(), s(keys::entry_sk(e.seq)));
        if e.status.is_exception() {
            item.insert(keys::GSI1PK.into(), s(keys::entries_in_status_pk(e.status.as_str())));
            item.insert(keys::GSI1SK.into(), s(format!("{}#{}", booking(e), e.id)));
        }
        if let (EntryKind::Credit, Some(money), true) = (e.kind, e.money, e.reversible()) {
            item.insert(keys::GSI3PK.into(), s(keys::credits_of_amount_pk(money.currency().code(), money.to_minor())));
            item.insert(keys::GSI3SK.into(), s(format!("{}#{}", booking(e), e.id)));
        }
        item.insert("entity".into(), s("bank_entry"));
        item.insert("status".into(), s(e.status.as_str()));
        item.insert("version".into(), n(version));
        item.insert("data".into(), to_data(e)?);
        let mut writes = vec![versioned_put(&self.table, item, write.expected_version)?];
        if write.claim {
            let mut claim = Item::new();
            claim.insert(keys::PK.into(), s(keys::entry_claim_pk(&e.key)));
            claim.insert(keys::SK.into(), s(keys::ENTRY_CLAIM_SK));
            claim.insert("entity".into(), s("bank_entry_claim"));
            claim.insert("entry".into(), s(e.id.clone()));
            writes.push(create_only(&self.table, claim)?);
        }
        Ok(writes)
    }

    fn entry_from(item: &Item) -> Result<Versioned<BankEntry>, StoreError> {
        Ok(Versioned { value: from_data(item)?, version: read_u64(item, "version")? })
    }

    /// One page of a partition or index in sort-key order after `after`.
    async fn page_in_order(&self, part: Partition<'_>, after: Option<Item>, limit: usize) -> Result<(Vec<Item>, bool), StoreError> {
        let Partition { index, pk_attr, pk, sk_attr, sk_prefix } = part;
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(index.map(str::to_owned))
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_values(":pk", s(pk))
            .limit((limit + 1) as i32)
            .set_exclusive_start_key(after)
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        q = match sk_prefix {
            Some(p) => q.key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)").expression_attribute_names("#sk", sk_attr).expression_attribute_values(":prefix", s(p)),
            None => q.key_condition_expression("#pk = :pk"),
        };
        if index.is_none() {
            q = q.consistent_read(true);
        }
        let out = q.send().await.map_err(from_sdk)?;
        self.capacity.record_read(out.consumed_capacity());
        let mut items: Vec<Item> = out.items().to_vec();
        let more = items.len() > limit || (out.last_evaluated_key().is_some() && items.len() == limit + 1);
        items.truncate(limit);
        Ok((items, more))
    }
}

impl BankEntryRead for DynamoStore {
    async fn bank_entry(&self, statement: StatementId, seq: u32) -> Result<Option<Versioned<BankEntry>>, StoreError> {
        let Some(item) = self.get_consistent(keys::statement_pk(statement), &keys::entry_sk(seq)).await? else { return Ok(None) };
        Self::entry_from(&item).map(Some)
    }

    async fn entry_claim(&self, key: &str) -> Result<Option<String>, StoreError> {
        let Some(item) = self.get_consistent(keys::entry_claim_pk(key), keys::ENTRY_CLAIM_SK).await? else { return Ok(None) };
        Ok(match item.get("entry") {
            Some(AttributeValue::S(id)) => Some(id.clone()),
            _ => None,
        })
    }

    async fn credits_of_amount(&self, amount: Money, from: NaiveDate, to: NaiveDate) -> Result<Vec<Versioned<BankEntry>>, StoreError> {
        // Newest first, every page: the credit a return reverses is usually
        // recent, and a common amount (a subscription) has many.
        let q = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("gsi3")
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
            .expression_attribute_names("#pk", keys::GSI3PK)
            .expression_attribute_names("#sk", keys::GSI3SK)
            .expression_attribute_values(":pk", s(keys::credits_of_amount_pk(amount.currency().code(), amount.to_minor())))
            .expression_attribute_values(":from", s(from.to_string()))
            .expression_attribute_values(":to", s(format!("{to}~")))
            .scan_index_forward(false);
        let keys: Vec<(String, String)> = self
            .query_all(q, Some(MAX_RETURN_CANDIDATES))
            .await?
            .iter()
            .filter_map(|key| match (key.get(keys::PK), key.get(keys::SK)) {
                (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => Some((pk.clone(), sk.clone())),
                _ => None,
            })
            .collect();
        let mut found = Vec::new();
        for (pk, sk) in keys.into_iter().take(MAX_RETURN_CANDIDATES) {
            if let Some(item) = self.get_consistent(pk, &sk).await? {
                found.push(Self::entry_from(&item)?);
            }
        }
        Ok(found)
    }
}

/// Credits of one amount a return looks at (the newest). Past this, the
/// return is left to a person rather than read without end.
const MAX_RETURN_CANDIDATES: usize = 1_000;

impl BankEntryWrite for DynamoStore {
    async fn record_entries(&self, writes: Vec<EntryWrite>, journal: Vec<Posting>) -> Result<(), StoreError> {
        let mut items = Vec::new();
        for w in &writes {
            items.extend(self.entry_writes(w)?);
        }
        if let Some(first) = writes.first() {
            items.extend(self.journal_writes(&first.entry.id, 1, &journal).await?);
        }
        self.transact(items, None).await
    }
}

impl BankEntryList for DynamoStore {
    async fn statement_entries(&self, statement: StatementId, page: &PageRequest) -> Result<Page<BankEntry>, StoreError> {
        let after = match &page.starting_after {
            Some(id) => {
                let (_, seq) = o2c_domain::bank_entry::parse_entry_id(id).ok_or_else(|| StoreError::Corrupt("bad cursor".into()))?;
                Some(HashMap::from([(keys::PK.to_owned(), s(keys::statement_pk(statement))), (keys::SK.to_owned(), s(keys::entry_sk(seq)))]))
            }
            None => None,
        };
        let (items, has_more) = self.page_in_order(Partition { index: None, pk_attr: keys::PK, pk: keys::statement_pk(statement), sk_attr: keys::SK, sk_prefix: Some(keys::ENTRY_PREFIX) }, after, page.limit).await?;
        Ok(Page { data: items.iter().map(|i| Self::entry_from(i).map(|v| v.value)).collect::<Result<_, _>>()?, has_more })
    }

    async fn entries_in_status(&self, status: EntryStatus, page: &PageRequest) -> Result<Page<BankEntry>, StoreError> {
        let after = match &page.starting_after {
            Some(id) => {
                let (statement, seq) = o2c_domain::bank_entry::parse_entry_id(id).ok_or_else(|| StoreError::Corrupt("bad cursor".into()))?;
                let entry = self.bank_entry(statement, seq).await?.ok_or_else(|| StoreError::Corrupt("cursor entry is gone".into()))?.value;
                Some(HashMap::from([
                    (keys::PK.to_owned(), s(keys::statement_pk(statement))),
                    (keys::SK.to_owned(), s(keys::entry_sk(seq))),
                    (keys::GSI1PK.to_owned(), s(keys::entries_in_status_pk(status.as_str()))),
                    (keys::GSI1SK.to_owned(), s(format!("{}#{}", booking(&entry), entry.id))),
                ]))
            }
            None => None,
        };
        let (items, has_more) = self.page_in_order(Partition { index: Some("gsi1"), pk_attr: keys::GSI1PK, pk: keys::entries_in_status_pk(status.as_str()), sk_attr: keys::GSI1SK, sk_prefix: None }, after, page.limit).await?;
        // The index lags the table: an entry settled a moment ago is left out.
        let data = items.iter().map(|i| Self::entry_from(i).map(|v| v.value)).collect::<Result<Vec<_>, _>>()?.into_iter().filter(|e| e.status == status).collect();
        Ok(Page { data, has_more })
    }
}

impl StatementStore for DynamoStore {
    async fn register_statement(&self, record: &StatementRecord) -> Result<(StatementRecord, bool), StoreError> {
        let mut sentinel = Item::new();
        sentinel.insert(keys::PK.into(), s(keys::statement_identity_pk(&record.identity)));
        sentinel.insert(keys::SK.into(), s(keys::STATEMENT_SK));
        sentinel.insert("entity".into(), s("statement_identity"));
        sentinel.insert("statement".into(), s(record.id.to_string()));
        let mut item = Item::new();
        item.insert(keys::PK.into(), s(keys::statement_pk(record.id)));
        item.insert(keys::SK.into(), s(keys::STATEMENT_SK));
        item.insert("entity".into(), s("bank_statement"));
        item.insert("data".into(), to_data(record)?);
        match self.transact(vec![create_only(&self.table, sentinel)?, create_only(&self.table, item)?], None).await {
            Ok(()) => Ok((record.clone(), true)),
            Err(StoreError::Conflict) => {
                let held = self.get_consistent(keys::statement_identity_pk(&record.identity), keys::STATEMENT_SK).await?;
                let Some(AttributeValue::S(id)) = held.as_ref().and_then(|i| i.get("statement")) else { return Err(StoreError::Conflict) };
                let id = StatementId::parse(id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                self.statement(id).await?.map(|s| (s, false)).ok_or(StoreError::Conflict)
            }
            Err(e) => Err(e),
        }
    }

    async fn statement(&self, id: StatementId) -> Result<Option<StatementRecord>, StoreError> {
        let Some(item) = self.get_consistent(keys::statement_pk(id), keys::STATEMENT_SK).await? else { return Ok(None) };
        from_data(&item).map(Some)
    }

    async fn chunk_settled(&self, id: StatementId, chunk: u32) -> Result<Option<(StatementRecord, u32)>, StoreError> {
        // A number set: adding the same chunk twice counts it once.
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(keys::statement_pk(id)))
            .key(keys::SK, s(keys::STATEMENT_SK))
            .update_expression("ADD settled_chunks :c")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":c", AttributeValue::Ns(vec![chunk.to_string()]))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(from_sdk)?;
        let Some(item) = out.attributes() else { return Ok(None) };
        let record: StatementRecord = from_data(item)?;
        let settled = match item.get("settled_chunks") {
            Some(AttributeValue::Ns(set)) => set.len() as u32,
            _ => 0,
        };
        Ok(Some((record, settled)))
    }

    async fn mark_reconciled(&self, id: StatementId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let done = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(keys::statement_pk(id)))
            .key(keys::SK, s(keys::STATEMENT_SK))
            .update_expression("SET #d.#st = :done, #d.reconciled_at = :at")
            .condition_expression("#d.#st = :processing")
            .expression_attribute_names("#d", "data")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":done", s(StatementStatus::Reconciled.as_str()))
            .expression_attribute_values(":processing", s(StatementStatus::Processing.as_str()))
            .expression_attribute_values(":at", s(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)))
            .send()
            .await;
        crate::error::done_if_conflict(done)
    }

    async fn put_upload(&self, upload: &Upload) -> Result<(), StoreError> {
        let mut item = Item::new();
        item.insert(keys::PK.into(), s(keys::upload_pk(upload.id)));
        item.insert(keys::SK.into(), s(keys::UPLOAD_SK));
        item.insert("entity".into(), s("upload"));
        item.insert("data".into(), to_data(upload)?);
        let put = self.client.put_item().table_name(&self.table).set_item(Some(item));
        put.send().await.map_err(from_sdk)?;
        Ok(())
    }

    async fn upload(&self, id: UploadId) -> Result<Option<Upload>, StoreError> {
        let Some(item) = self.get_consistent(keys::upload_pk(id), keys::UPLOAD_SK).await? else { return Ok(None) };
        from_data(&item).map(Some)
    }
}


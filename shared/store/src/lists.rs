//! Cursor pages over a (possibly write-sharded) index: each shard is read
//! newest first after the cursor, and the shards are merged by id. Ids are
//! ULIDs, so the sort key order is creation order.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use o2c_domain::ports::{PageRequest, StoreError};

use crate::error::from_sdk;
use crate::record::{s, Item};
use crate::DynamoStore;

pub(crate) struct IndexPage {
    pub items: Vec<Item>,
    pub has_more: bool,
}

/// A filter applied after the key condition (attribute name, value).
pub(crate) type Filter<'a> = Option<(&'a str, &'a str)>;

pub(crate) async fn query_shards(store: &DynamoStore, index: &str, pk_attr: &str, sk_attr: &str, shard_pks: &[String], page: &PageRequest, filter: Filter<'_>) -> Result<IndexPage, StoreError> {
    let want = page.limit + 1;
    let mut all: Vec<(String, Item)> = Vec::new();
    for pk in shard_pks {
        let mut found = 0;
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let mut q = store
                .client
                .query()
                .table_name(&store.table)
                .index_name(index)
                .scan_index_forward(false)
                .limit(want as i32)
                .expression_attribute_names("#pk", pk_attr)
                .expression_attribute_values(":pk", s(pk.clone()))
                .set_exclusive_start_key(start.take());
            q = match &page.starting_after {
                Some(after) => q
                    .key_condition_expression("#pk = :pk AND #sk < :after")
                    .expression_attribute_names("#sk", sk_attr)
                    .expression_attribute_values(":after", s(after.clone())),
                None => q.key_condition_expression("#pk = :pk"),
            };
            if let Some((name, value)) = filter {
                q = q.filter_expression("#f = :f").expression_attribute_names("#f", name).expression_attribute_values(":f", s(value));
            }
            let out = q.return_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total).send().await.map_err(from_sdk)?;
            store.capacity.record_read(out.consumed_capacity());
            for item in out.items() {
                if let Some(AttributeValue::S(sk)) = item.get(sk_attr) {
                    all.push((sk.clone(), item.clone()));
                    found += 1;
                }
            }
            match out.last_evaluated_key() {
                Some(k) if found < want => start = Some(k.clone()),
                _ => break,
            }
        }
    }
    all.sort_by(|a, b| b.0.cmp(&a.0));
    let has_more = all.len() > page.limit;
    all.truncate(page.limit);
    Ok(IndexPage { items: all.into_iter().map(|(_, i)| i).collect(), has_more })
}

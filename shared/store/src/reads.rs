//! The two consistent reads every adapter module needs: one item by key,
//! and every item of one partition (optionally under a sort-key prefix),
//! both metered in the capacity meter.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};
use o2c_domain::ports::StoreError;

use crate::error::from_sdk;
use crate::keys;
use crate::record::{s, Item};
use crate::DynamoStore;

impl DynamoStore {
    /// One item, read strongly consistent.
    pub(crate) async fn get_consistent(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(from_sdk)?;
        self.capacity.record_read(out.consumed_capacity());
        Ok(out.item().cloned())
    }

    /// Every page of `query` (up to about `cap` items, if given), metered:
    /// the one loop over `LastEvaluatedKey` every multi-page read uses.
    pub(crate) async fn query_all(&self, query: QueryFluentBuilder, cap: Option<usize>) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = query.clone().set_exclusive_start_key(start.take()).return_consumed_capacity(ReturnConsumedCapacity::Total).send().await.map_err(from_sdk)?;
            self.capacity.record_read(out.consumed_capacity());
            items.extend(out.items().iter().cloned());
            match out.last_evaluated_key() {
                Some(k) if cap.is_none_or(|c| items.len() < c) => start = Some(k.clone()),
                _ => break,
            }
        }
        Ok(items)
    }

    /// Every item of partition `pk` whose sort key starts with `prefix`
    /// (all of them without one), in sort-key order, read consistently.
    pub(crate) async fn query_partition(&self, pk: String, prefix: Option<&str>) -> Result<Vec<Item>, StoreError> {
        let q = self.client.query().table_name(&self.table).consistent_read(true).expression_attribute_values(":pk", s(pk));
        let q = match prefix {
            Some(p) => q.key_condition_expression("pk = :pk AND begins_with(sk, :prefix)").expression_attribute_values(":prefix", s(p)),
            None => q.key_condition_expression("pk = :pk"),
        };
        self.query_all(q, None).await
    }
}

//! API key items: `APIKEY#<sha256 hex>`, listed through `gsi1` under
//! `APIKEYS`. The key's hash is the item key, so checking a request is one
//! consistent `GetItem`.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use o2c_domain::api_key::{ApiKey, KeyHash};
use o2c_domain::ports::{ApiKeyAdmin, ApiKeyRead, StoreError};

use crate::error::from_sdk;
use crate::keys;
use crate::record::{from_data, s, to_data};
use crate::DynamoStore;

impl ApiKeyRead for DynamoStore {
    async fn api_key(&self, hash: KeyHash) -> Result<Option<ApiKey>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, s(keys::api_key_pk(&hash.hex())))
            .key(keys::SK, s(keys::API_KEY_SK))
            .consistent_read(true)
            .return_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(from_sdk)?;
        self.capacity.record_read(out.consumed_capacity());
        out.item().map(from_data).transpose()
    }
}

impl ApiKeyAdmin for DynamoStore {
    async fn create_api_key(&self, hash: KeyHash, key: &ApiKey) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(keys::PK, s(keys::api_key_pk(&hash.hex())))
            .item(keys::SK, s(keys::API_KEY_SK))
            .item(keys::GSI1PK, s(keys::API_KEYS_LIST_PK))
            .item(keys::GSI1SK, s(key.id.clone()))
            .item("entity", s("api_key"))
            .item("data", to_data(key)?)
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(from_sdk)?;
        Ok(())
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let mut keys_out = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("gsi1")
                .key_condition_expression("gsi1pk = :pk")
                .expression_attribute_values(":pk", s(keys::API_KEYS_LIST_PK))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(from_sdk)?;
            for item in out.items() {
                keys_out.push(from_data(item)?);
            }
            match out.last_evaluated_key() {
                Some(k) => start = Some(k.clone()),
                None => break,
            }
        }
        Ok(keys_out)
    }

    async fn revoke_api_key(&self, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("gsi1")
            .key_condition_expression("gsi1pk = :pk AND gsi1sk = :id")
            .expression_attribute_values(":pk", s(keys::API_KEYS_LIST_PK))
            .expression_attribute_values(":id", s(id))
            .send()
            .await
            .map_err(from_sdk)?;
        let Some(item) = out.items().first() else { return Ok(false) };
        let mut key: ApiKey = from_data(item)?;
        if key.revoked_at.is_none() {
            key.revoked_at = Some(now);
        }
        let pk = item.get(keys::PK).cloned().unwrap_or(AttributeValue::Null(true));
        self.client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, pk)
            .key(keys::SK, s(keys::API_KEY_SK))
            .update_expression("SET #data = :data")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#data", "data")
            .expression_attribute_values(":data", to_data(&key)?)
            .send()
            .await
            .map_err(from_sdk)?;
        Ok(true)
    }
}

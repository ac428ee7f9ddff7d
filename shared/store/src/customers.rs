//! Customer profile and balance items. The balance is its own item
//! (`BALANCE`): it is the hot one, updated with `ADD` by every finalize
//! and payment, while the profile changes rarely.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, ReturnConsumedCapacity, TransactWriteItem};
use o2c_domain::customer::Customer;
use o2c_domain::ids::CustomerId;
use o2c_domain::money::Money;
use o2c_domain::ports::{CustomerChange, CustomerList, CustomerRead, CustomerWrite, Page, PageRequest, StoreError, Versioned};

use crate::addresses::{address_key, address_pk, status_of};
use crate::error::{built, from_sdk};
use crate::keys;
use crate::lists::{query_shards, IndexPage};
use crate::outbox::{outbox_put, request_token};
use crate::record::{from_data, n, read_i64, read_u64, s, to_data, Item};
use crate::reply::complete_item;
use crate::DynamoStore;


fn sk_is(item: &Item, sk: &str) -> bool {
    matches!(item.get(keys::SK), Some(AttributeValue::S(v)) if v == sk)
}

/// A profile item plus its balance item, as one customer.
fn assemble(profile: &Item, balance: Option<&Item>) -> Result<Versioned<Customer>, StoreError> {
    let mut customer: Customer = from_data(profile)?;
    if let Some(balance) = balance {
        let money = |minor| Money::from_minor(minor, customer.currency).map_err(|e| StoreError::Corrupt(format!("balance: {e}")));
        customer.balance = money(read_i64(balance, "receivable_minor")?)?;
        customer.credit_balance = money(read_i64(balance, "unapplied_minor")?)?;
    }
    Ok(Versioned { value: customer, version: read_u64(profile, "version")? })
}

impl DynamoStore {
    /// The customer's profile item (not its balances, which only move by
    /// ADD), created or put under its version.
    pub(crate) fn customer_profile_put(&self, customer: &Customer, expected_version: Option<u64>) -> Result<TransactWriteItem, StoreError> {
        let version = expected_version.map_or(1, |v| v + 1);
        let mut profile = Item::new();
        profile.insert(keys::PK.into(), s(keys::customer_pk(customer.id)));
        profile.insert(keys::SK.into(), s(keys::CUSTOMER_PROFILE_SK));
        profile.insert(keys::GSI1PK.into(), s(keys::customers_list_pk(customer.id)));
        profile.insert(keys::GSI1SK.into(), s(customer.id.to_string()));
        if let Some(external) = &customer.external_id {
            profile.insert(keys::GSI3PK.into(), s(keys::customer_external_id_pk(external.as_str())));
            profile.insert(keys::GSI3SK.into(), s(customer.id.to_string()));
        }
        profile.insert("entity".into(), s("customer"));
        profile.insert("version".into(), n(version));
        profile.insert("data".into(), to_data(customer)?);
        let put = Put::builder().table_name(&self.table).set_item(Some(profile));
        let put = match expected_version {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(v) => put.condition_expression("version = :expected").expression_attribute_values(":expected", n(v)),
        };
        Ok(TransactWriteItem::builder().put(built(put.build())?).build())
    }
}

impl CustomerWrite for DynamoStore {
    async fn commit_customer(&self, change: CustomerChange<'_>) -> Result<(), StoreError> {
        let customer = change.customer;
        let mut writes = vec![self.customer_profile_put(customer, change.expected_version)?];

        if change.expected_version.is_none() {
            let mut balance = Item::new();
            balance.insert(keys::PK.into(), s(keys::customer_pk(customer.id)));
            balance.insert(keys::SK.into(), s(keys::CUSTOMER_BALANCE_SK));
            balance.insert("entity".into(), s("customer_balance"));
            balance.insert("receivable_minor".into(), n(customer.balance.to_minor()));
            balance.insert("unapplied_minor".into(), n(customer.credit_balance.to_minor()));
            let put = Put::builder().table_name(&self.table).set_item(Some(balance)).condition_expression("attribute_not_exists(pk)");
            writes.push(TransactWriteItem::builder().put(built(put.build())?).build());
        }
        for m in &change.outbox {
            writes.push(outbox_put(&self.table, m)?);
        }
        writes.extend(complete_item(&self.table, &change.reply)?);
        self.transact(writes, request_token(&change.outbox)).await
    }
}

impl CustomerRead for DynamoStore {
    async fn customer(&self, id: CustomerId) -> Result<Option<Versioned<Customer>>, StoreError> {
        // One strongly consistent query returns profile and balance together.
        let items = self.query_partition(keys::customer_pk(id), None).await?;
        let Some(profile) = items.iter().find(|i| sk_is(i, keys::CUSTOMER_PROFILE_SK)) else {
            return Ok(None);
        };
        let balance = items.iter().find(|i| sk_is(i, keys::CUSTOMER_BALANCE_SK));
        let mut customer = assemble(profile, balance)?;
        let address = self.batch_get(vec![address_key(customer.value.email.as_str())]).await?;
        customer.value.email_status = status_of(address.first());
        Ok(Some(customer))
    }
}

impl CustomerList for DynamoStore {
    async fn list_customers(&self, page: &PageRequest) -> Result<Page<Customer>, StoreError> {
        let IndexPage { items: profiles, has_more } = query_shards(self, "gsi1", keys::GSI1PK, keys::GSI1SK, &keys::shard_keys("CUSTOMERS"), page, None).await?;
        if profiles.is_empty() {
            return Ok(Page { data: vec![], has_more });
        }
        // Balances live in their own items: fetch the page's in one batch.
        let wanted: Vec<HashMap<String, AttributeValue>> = profiles
            .iter()
            .filter_map(|p| p.get(keys::PK).cloned())
            .map(|pk| HashMap::from([(keys::PK.to_owned(), pk), (keys::SK.to_owned(), s(keys::CUSTOMER_BALANCE_SK))]))
            .collect();
        let balances = self.batch_get(wanted).await?;
        let mut data = Vec::with_capacity(profiles.len());
        for p in &profiles {
            let balance = balances.iter().find(|b| b.get(keys::PK) == p.get(keys::PK));
            data.push(assemble(p, balance)?.value);
        }
        // Deliverability lives with the address: one more batch per page.
        let addresses = self.batch_get(data.iter().map(|c| address_key(c.email.as_str())).collect()).await?;
        for c in &mut data {
            let pk = s(address_pk(c.email.as_str()));
            c.email_status = status_of(addresses.iter().find(|i| i.get(keys::PK) == Some(&pk)));
        }
        Ok(Page { data, has_more })
    }
}

impl DynamoStore {
    /// BatchGetItem with the retry of unprocessed keys it requires.
    pub(crate) async fn batch_get(&self, keys: Vec<HashMap<String, AttributeValue>>) -> Result<Vec<Item>, StoreError> {
        // DynamoDB refuses a batch naming one key twice.
        let mut keys_left: Vec<HashMap<String, AttributeValue>> = Vec::with_capacity(keys.len());
        for k in keys {
            if !keys_left.contains(&k) {
                keys_left.push(k);
            }
        }
        let mut out = Vec::new();
        let mut rounds = 0;
        while !keys_left.is_empty() {
            rounds += 1;
            if rounds > 10 {
                return Err(StoreError::Unavailable("batch get kept leaving keys unprocessed".into()));
            }
            let chunk: Vec<_> = keys_left.drain(..keys_left.len().min(100)).collect();
            let request = built(KeysAndAttributes::builder().set_keys(Some(chunk)).consistent_read(true).build())?;
            let res = self.client.batch_get_item().request_items(&self.table, request).return_consumed_capacity(ReturnConsumedCapacity::Total).send().await.map_err(from_sdk)?;
            for c in res.consumed_capacity() {
                self.capacity.record_read(Some(c));
            }
            if let Some(items) = res.responses().and_then(|r| r.get(&self.table)) {
                out.extend(items.iter().cloned());
            }
            if let Some(left) = res.unprocessed_keys().and_then(|u| u.get(&self.table)) {
                keys_left.extend(left.keys().iter().cloned());
            }
        }
        Ok(out)
    }
}

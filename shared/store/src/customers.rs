//! Customer profile and balance items. The balance is its own item
//! (`BALANCE`): it is the hot one, updated with `ADD` by every finalize
//! and payment, while the profile changes rarely.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use o2c_domain::customer::Customer;
use o2c_domain::ids::CustomerId;
use o2c_domain::money::Money;
use o2c_domain::outbox::OutboxMessage;
use o2c_domain::ports::{CustomerCreate, CustomerRead, StoreError};

use crate::error::{from_sdk, from_transact};
use crate::keys;
use crate::outbox::{outbox_put, request_token};
use crate::record::{from_data, n, read_i64, s, to_data, Item};
use crate::DynamoStore;

fn put(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

impl CustomerCreate for DynamoStore {
    async fn create_customer(&self, customer: &Customer, outbox: Vec<OutboxMessage>) -> Result<(), StoreError> {
        let mut profile = Item::new();
        profile.insert(keys::PK.into(), s(keys::customer_pk(customer.id)));
        profile.insert(keys::SK.into(), s(keys::CUSTOMER_PROFILE_SK));
        profile.insert(keys::GSI1PK.into(), s(keys::customers_list_pk(customer.id)));
        profile.insert(keys::GSI1SK.into(), s(customer.id.to_string()));
        profile.insert("entity".into(), s("customer"));
        profile.insert("version".into(), n(1));
        profile.insert("data".into(), to_data(customer)?);

        let mut balance = Item::new();
        balance.insert(keys::PK.into(), s(keys::customer_pk(customer.id)));
        balance.insert(keys::SK.into(), s(keys::CUSTOMER_BALANCE_SK));
        balance.insert("entity".into(), s("customer_balance"));
        balance.insert("receivable_minor".into(), n(customer.balance.to_minor()));
        balance.insert("unapplied_minor".into(), n(customer.credit_balance.to_minor()));

        let mut writes = vec![put(&self.table, profile)?, put(&self.table, balance)?];
        for m in &outbox {
            writes.push(outbox_put(&self.table, m)?);
        }
        self.client.transact_write_items().set_transact_items(Some(writes)).set_client_request_token(request_token(&outbox)).send().await.map_err(from_transact)?;
        Ok(())
    }
}

impl CustomerRead for DynamoStore {
    async fn customer(&self, id: CustomerId) -> Result<Option<Customer>, StoreError> {
        // One strongly consistent query returns profile and balance together.
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::customer_pk(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(from_sdk)?;
        let items = out.items();
        let Some(profile) = items.iter().find(|i| matches!(i.get(keys::SK), Some(aws_sdk_dynamodb::types::AttributeValue::S(sk)) if sk == keys::CUSTOMER_PROFILE_SK)) else {
            return Ok(None);
        };
        let mut customer: Customer = from_data(profile)?;
        if let Some(balance) = items.iter().find(|i| matches!(i.get(keys::SK), Some(aws_sdk_dynamodb::types::AttributeValue::S(sk)) if sk == keys::CUSTOMER_BALANCE_SK)) {
            let money = |minor| Money::from_minor(minor, customer.currency).map_err(|e| StoreError::Corrupt(format!("balance: {e}")));
            customer.balance = money(read_i64(balance, "receivable_minor")?)?;
            customer.credit_balance = money(read_i64(balance, "unapplied_minor")?)?;
        }
        Ok(Some(customer))
    }
}

//! The customer's `BALANCE` item inside a change's transaction: every
//! invoice and payment change that moves money adds to it, and a change
//! that creates something for a customer checks the customer exists.

use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem, Update};
use o2c_domain::ids::CustomerId;
use o2c_domain::ports::{BalanceChange, StoreError};

use crate::error::built;
use crate::keys;
use crate::record::{n, s};

/// `ADD` the change to the customer's balances (the item must exist);
/// with no change, a create (`creating`) still checks the customer exists.
pub(crate) fn balance_write(table: &str, customer: CustomerId, change: Option<BalanceChange>, creating: bool) -> Result<Option<TransactWriteItem>, StoreError> {
    match change {
        Some(delta) if delta.receivable_minor != 0 || delta.unapplied_minor != 0 => {
            let update = Update::builder()
                .table_name(table)
                .key(keys::PK, s(keys::customer_pk(customer)))
                .key(keys::SK, s(keys::CUSTOMER_BALANCE_SK))
                .update_expression("ADD receivable_minor :r, unapplied_minor :u")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_values(":r", n(delta.receivable_minor))
                .expression_attribute_values(":u", n(delta.unapplied_minor));
            Ok(Some(TransactWriteItem::builder().update(built(update.build())?).build()))
        }
        _ if creating => {
            let check = ConditionCheck::builder()
                .table_name(table)
                .key(keys::PK, s(keys::customer_pk(customer)))
                .key(keys::SK, s(keys::CUSTOMER_BALANCE_SK))
                .condition_expression("attribute_exists(pk)");
            Ok(Some(TransactWriteItem::builder().condition_check(built(check.build())?).build()))
        }
        _ => Ok(None),
    }
}

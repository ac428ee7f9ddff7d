//! Idempotency records: `IDEM#<api key id>#<Idempotency-Key>`. Expiry is
//! checked on `expires_at` by every reader and writer, never left to TTL
//! deletion (lazy on AWS, lazier on DynamoDB Local).

use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};
use chrono::{DateTime, Utc};
use o2c_domain::idempotency::{expires_at, lock_until, ClaimOutcome, IdempotencyClaim, IdempotentReply, SavedResponse};
use o2c_domain::ports::{IdempotencyStore, StoreError};

use crate::error::{done_if_conflict, from_sdk};
use crate::keys;
use crate::record::{n, read_i64, s, Item};
use crate::DynamoStore;

fn text<'a>(item: &'a Item, name: &str) -> &'a str {
    match item.get(name) {
        Some(AttributeValue::S(v)) => v,
        _ => "",
    }
}

fn saved(item: &Item) -> Result<SavedResponse, StoreError> {
    let Some(AttributeValue::M(m)) = item.get("response") else {
        return Err(StoreError::Corrupt("a done idempotency record has no response".into()));
    };
    let status = u16::try_from(read_i64(m, "status")?).map_err(|_| StoreError::Corrupt("saved status".into()))?;
    Ok(SavedResponse { status, content_type: text(m, "content_type").to_owned(), body: text(m, "body").to_owned() })
}

impl IdempotencyStore for DynamoStore {
    async fn claim(&self, scope: &str, fingerprint: &str, now: DateTime<Utc>) -> Result<ClaimOutcome, StoreError> {
        let pk = keys::idempotency_pk(scope);
        let claim = IdempotencyClaim { scope: scope.to_owned(), fingerprint: fingerprint.to_owned() };
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(keys::PK, s(pk.clone()))
            .item(keys::SK, s(keys::IDEMPOTENCY_SK))
            .item("entity", s("idempotency_record"))
            .item("fingerprint", s(fingerprint))
            .item("state", s("in_flight"))
            .item("locked_until", n(lock_until(now).timestamp()))
            .item("expires_at", n(expires_at(now).timestamp()))
            // A record past its 24 h is as good as absent.
            .condition_expression("attribute_not_exists(pk) OR expires_at < :now")
            .expression_attribute_values(":now", n(now.timestamp()))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match put {
            Ok(out) => {
                self.capacity.record(out.consumed_capacity());
                return Ok(ClaimOutcome::Claimed(claim));
            }
            Err(e) => match from_sdk(e) {
                StoreError::Conflict => {}
                other => return Err(other),
            },
        }
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk.clone()))
            .key(keys::SK, s(keys::IDEMPOTENCY_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(from_sdk)?;
        let Some(item) = out.item() else {
            // Released between our put and our read: the caller may retry.
            return Ok(ClaimOutcome::InUse);
        };
        if text(item, "fingerprint") != fingerprint {
            return Ok(ClaimOutcome::Reused);
        }
        if text(item, "state") == "done" {
            return Ok(ClaimOutcome::Replay(saved(item)?));
        }
        if read_i64(item, "locked_until")? >= now.timestamp() {
            return Ok(ClaimOutcome::InUse);
        }
        // The first run died without an answer: take the claim over.
        let takeover = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(keys::IDEMPOTENCY_SK))
            .update_expression("SET locked_until = :until")
            .condition_expression("#state = :in_flight AND fingerprint = :fp AND locked_until < :now")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":until", n(lock_until(now).timestamp()))
            .expression_attribute_values(":in_flight", s("in_flight"))
            .expression_attribute_values(":fp", s(fingerprint))
            .expression_attribute_values(":now", n(now.timestamp()))
            .send()
            .await;
        match takeover {
            Ok(_) => Ok(ClaimOutcome::Claimed(claim)),
            Err(e) => match from_sdk(e) {
                StoreError::Conflict => Ok(ClaimOutcome::InUse),
                other => Err(other),
            },
        }
    }

    async fn save_reply(&self, reply: &IdempotentReply, _now: DateTime<Utc>) -> Result<(), StoreError> {
        let update = crate::reply::complete(&self.table, reply)?;
        let res = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(update.key().clone().into())
            .update_expression(update.update_expression())
            .set_condition_expression(update.condition_expression().map(str::to_owned))
            .set_expression_attribute_names(update.expression_attribute_names().cloned())
            .set_expression_attribute_values(update.expression_attribute_values().cloned())
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match res {
            Ok(out) => {
                self.capacity.record(out.consumed_capacity());
                Ok(())
            }
            // Already saved by the change's own transaction.
            Err(e) => match from_sdk(e) {
                StoreError::Conflict => Ok(()),
                other => Err(other),
            },
        }
    }

    async fn release(&self, claim: &IdempotencyClaim) -> Result<(), StoreError> {
        let res = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(keys::PK, s(keys::idempotency_pk(&claim.scope)))
            .key(keys::SK, s(keys::IDEMPOTENCY_SK))
            .condition_expression("fingerprint = :fp AND #state = :in_flight")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":fp", s(claim.fingerprint.clone()))
            .expression_attribute_values(":in_flight", s("in_flight"))
            .send()
            .await;
        done_if_conflict(res)
    }
}

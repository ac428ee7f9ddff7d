//! Journal postings, written in the same transaction as the change that
//! moves the money, under the day they post on; and the closed-period
//! mark, which every posting write checks so a close and a late posting
//! cannot cross.

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};
use chrono::{Datelike, NaiveDate};
use o2c_domain::journal::{Periods, Posting};
use o2c_domain::ports::{JournalStore, StoreError, StoredPosting};

use crate::error::{built, from_sdk};
use crate::keys;
use crate::record::{from_data, s, to_data, Item};
use crate::transact::create_only;
use crate::DynamoStore;

fn month(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

fn read_periods(item: Option<&Item>) -> Periods {
    let closed = item.and_then(|i| i.get("closed_through")).and_then(|v| match v {
        AttributeValue::S(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").ok(),
        _ => None,
    });
    Periods { closed_through: closed }
}

impl DynamoStore {
    /// The posting items of one change (`source`, numbered from `n`), and a
    /// check that the periods did not close while it was decided.
    pub(crate) async fn journal_writes(&self, source: &str, n: u64, postings: &[Posting]) -> Result<Vec<TransactWriteItem>, StoreError> {
        if postings.is_empty() {
            return Ok(Vec::new());
        }
        let periods = self.get_consistent(keys::PERIODS_PK.to_owned(), keys::PERIODS_SK).await?;
        let closed = read_periods(periods.as_ref());
        let mut writes = Vec::new();
        for (i, posting) in postings.iter().enumerate() {
            let dated = posting.on();
            let posted_on = closed.posting_day(dated);
            let stored = StoredPosting { source: source.to_owned(), n: n + i as u64, dated, posted_on, posting: posting.clone() };
            let mut item = Item::new();
            item.insert(keys::PK.into(), s(keys::journal_pk(&month(posted_on))));
            item.insert(keys::SK.into(), s(format!("{posted_on}#{source}#{:010}", stored.n)));
            item.insert("entity".into(), s("journal_posting"));
            item.insert("data".into(), to_data(&stored)?);
            writes.push(create_only(&self.table, item)?);
        }
        let check = ConditionCheck::builder().table_name(&self.table).key(keys::PK, s(keys::PERIODS_PK)).key(keys::SK, s(keys::PERIODS_SK));
        let check = match closed.closed_through {
            Some(d) => check.condition_expression("closed_through = :c").expression_attribute_values(":c", s(d.to_string())),
            None => check.condition_expression("attribute_not_exists(closed_through)"),
        };
        writes.push(TransactWriteItem::builder().condition_check(built(check.build())?).build());
        Ok(writes)
    }
}

impl JournalStore for DynamoStore {
    async fn periods(&self) -> Result<Periods, StoreError> {
        let item = self.get_consistent(keys::PERIODS_PK.to_owned(), keys::PERIODS_SK).await?;
        Ok(read_periods(item.as_ref()))
    }

    async fn close_through(&self, through: NaiveDate) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(keys::PERIODS_PK))
            .key(keys::SK, s(keys::PERIODS_SK))
            .update_expression("SET closed_through = :t, entity = :e")
            .condition_expression("attribute_not_exists(closed_through) OR closed_through < :t")
            .expression_attribute_values(":t", s(through.to_string()))
            .expression_attribute_values(":e", s("journal_periods"))
            .send()
            .await
            .map_err(from_sdk)?;
        Ok(())
    }

    async fn postings_between(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<StoredPosting>, StoreError> {
        let mut out = Vec::new();
        let mut first = NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap_or(from);
        while first <= to {
            let q = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
                .expression_attribute_values(":pk", s(keys::journal_pk(&month(first))))
                .expression_attribute_values(":from", s(from.to_string()))
                .expression_attribute_values(":to", s(format!("{to}~")))
                .consistent_read(true);
            for item in self.query_all(q, None).await? {
                out.push(from_data::<StoredPosting>(&item)?);
            }
            first = first.checked_add_months(chrono::Months::new(1)).unwrap_or(NaiveDate::MAX);
        }
        Ok(out)
    }
}

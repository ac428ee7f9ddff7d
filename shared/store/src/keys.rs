//! Key shapes of the single table (docs/data-model.md is the reference).

use o2c_domain::ids::{CustomerId, EventId, InvoiceId};
use o2c_domain::invoice_number::InvoiceNumber;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1PK: &str = "gsi1pk";
pub const GSI1SK: &str = "gsi1sk";

/// Shards of the time-ordered list indexes, so one busy day never lands
/// on one partition key.
pub const LIST_SHARDS: u32 = 8;

pub fn customer_pk(id: CustomerId) -> String {
    format!("CUS#{id}")
}
pub const CUSTOMER_PROFILE_SK: &str = "PROFILE";
pub const CUSTOMER_BALANCE_SK: &str = "BALANCE";

pub fn invoice_pk(id: InvoiceId) -> String {
    format!("INV#{id}")
}
pub const INVOICE_SK: &str = "INVOICE";

pub fn timeline_sk(sort_key: &str) -> String {
    format!("TL#{sort_key}")
}
pub const TIMELINE_PREFIX: &str = "TL#";

pub fn number_counter_pk(year: i32) -> String {
    format!("COUNTER#INVOICE_NUMBER#{year}")
}
pub const COUNTER_SK: &str = "COUNTER";

pub fn number_sentinel_pk(number: InvoiceNumber) -> String {
    format!("INVNO#{number}")
}
pub const NUMBER_SENTINEL_SK: &str = "INVOICE_NUMBER";

pub fn outbox_pk(id: EventId) -> String {
    format!("OUTBOX#{id}")
}
pub const OUTBOX_SK: &str = "MESSAGE";

/// List-index partition for an entity id: `<prefix>#<shard>`, the shard
/// taken from the ULID's random bits so writes spread evenly.
pub fn list_shard(prefix: &str, id: ulid::Ulid) -> String {
    let random = u128::from(id) & ((1u128 << 80) - 1);
    format!("{prefix}#{}", random % u128::from(LIST_SHARDS))
}

pub fn customers_list_pk(id: CustomerId) -> String {
    list_shard("CUSTOMERS", id.ulid())
}

pub fn invoices_of_customer_pk(customer: CustomerId) -> String {
    format!("CUS#{customer}#INVOICES")
}

pub const GSI2PK: &str = "gsi2pk";
pub const GSI2SK: &str = "gsi2sk";
pub const GSI3PK: &str = "gsi3pk";
pub const GSI3SK: &str = "gsi3sk";
/// The reminder index (sparse, keys only): a remindable invoice's next
/// step, under its customer's shard, sorted by send instant.
pub const GSI4PK: &str = "gsi4pk";
pub const GSI4SK: &str = "gsi4sk";

/// Reminder-index partition of a customer's invoices: all of one
/// customer's reminders share a shard, so one fire reads one partition.
pub fn reminder_index_pk(customer: CustomerId) -> String {
    list_shard("REMIND", customer.ulid())
}

/// The instant as the index sorts it: fixed width, so string order is time order.
pub fn reminder_instant(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `<send instant>#<customer>#<invoice>`.
pub fn reminder_index_sk(send_at: chrono::DateTime<chrono::Utc>, customer: CustomerId, invoice: InvoiceId) -> String {
    format!("{}#{customer}#{invoice}", reminder_instant(send_at))
}

/// Every invoice, newest first (index `gsi2`, keys only).
pub fn all_invoices_pk(id: InvoiceId) -> String {
    list_shard("INVOICES", id.ulid())
}

/// Invoices in one status, newest first (index `gsi3`, keys only).
pub fn invoices_by_status_pk(status: &str, id: InvoiceId) -> String {
    list_shard(&format!("INVOICES#{status}"), id.ulid())
}

/// All shard keys of a list index.
pub fn shard_keys(prefix: &str) -> Vec<String> {
    (0..LIST_SHARDS).map(|n| format!("{prefix}#{n}")).collect()
}

pub fn idempotency_pk(scope: &str) -> String {
    format!("IDEM#{scope}")
}
pub const IDEMPOTENCY_SK: &str = "IDEMPOTENCY";

pub fn api_key_pk(hash_hex: &str) -> String {
    format!("APIKEY#{hash_hex}")
}
pub const API_KEY_SK: &str = "APIKEY";
/// All API keys (there are few), in `gsi1`.
pub const API_KEYS_LIST_PK: &str = "APIKEYS";

pub fn payment_pk(id: o2c_domain::ids::PaymentId) -> String {
    format!("PAY#{id}")
}
pub const PAYMENT_SK: &str = "PAYMENT";

/// A customer's payments, newest first (index `gsi1`).
pub fn payments_of_customer_pk(customer: CustomerId) -> String {
    format!("CUS#{customer}#PAYMENTS")
}
/// Payments no customer could be found for (index `gsi1`).
pub const PAYMENT_EXCEPTIONS_PK: &str = "PAYMENTS#EXCEPTIONS";

/// A processor event's audit record and deduplication sentinel.
pub fn processor_event_pk(provider: &str, event: &str) -> String {
    format!("PEVT#{provider}#{event}")
}
pub const PROCESSOR_EVENT_SK: &str = "EVENT";

/// A processor id (payment intent, charge) claimed by one payment.
pub fn processor_ref_pk(provider: &str, id: &str) -> String {
    format!("PREF#{provider}#{id}")
}
pub const PROCESSOR_REF_SK: &str = "PAYMENT";

/// Events waiting for the payment intent or charge `key`.
pub fn parked_pk(provider: &str, key: &str) -> String {
    format!("PARKED#{provider}#{key}")
}
pub fn parked_sk(event: &str) -> String {
    format!("EVT#{event}")
}

/// Customers by `external_id` (index `gsi3`, keys only).
pub fn customer_external_id_pk(external_id: &str) -> String {
    format!("CUSEXT#{external_id}")
}

/// Open invoices as the cash matcher reads them (index `gsi5`, sparse,
/// projecting only `open_item`).
pub const GSI5PK: &str = "gsi5pk";
pub const GSI5SK: &str = "gsi5sk";
pub fn open_items_pk(id: InvoiceId) -> String {
    list_shard("OPENITEMS", id.ulid())
}

pub fn statement_pk(id: o2c_domain::ids::StatementId) -> String {
    format!("STMT#{id}")
}
pub const STATEMENT_SK: &str = "STATEMENT";
pub fn entry_sk(seq: u32) -> String {
    format!("ENTRY#{seq:06}")
}
pub const ENTRY_PREFIX: &str = "ENTRY#";
/// A statement identity's sentinel (the identity hashed: it may be long).
pub fn statement_identity_pk(identity_hash: &str) -> String {
    format!("STMTID#{identity_hash}")
}
/// The claim on one entry's money, across statements.
pub fn entry_claim_pk(key: &str) -> String {
    format!("BANKENTRY#{key}")
}
pub const ENTRY_CLAIM_SK: &str = "CLAIM";
/// Exceptions by status (index `gsi1`), oldest booking first.
pub fn entries_in_status_pk(status: &str) -> String {
    format!("BANKENTRIES#{status}")
}
/// Credits by exact amount, for finding what a return reverses (index `gsi3`, keys only).
pub fn credits_of_amount_pk(currency: &str, minor: i64) -> String {
    format!("BANKCREDIT#{currency}#{minor}")
}
pub fn upload_pk(id: o2c_domain::ids::UploadId) -> String {
    format!("UPLOAD#{id}")
}
pub const UPLOAD_SK: &str = "UPLOAD";
/// One month of journal postings, sorted by posting day.
pub fn journal_pk(month: &str) -> String {
    format!("JOURNAL#{month}")
}
pub const PERIODS_PK: &str = "JOURNAL#PERIODS";
pub const PERIODS_SK: &str = "PERIODS";

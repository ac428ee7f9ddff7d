//! The o2c domain: the rules finance relies on, free of any transport or store.
//!
//! Everything here is deterministic given its inputs (time comes in through
//! [`clock::Clock`], ids are handed in), so it can be property-tested and
//! reused by every Lambda function unchanged.

pub mod actions;
pub mod api_key;
pub mod application;
pub mod bank_entry;
pub mod bank_statement;
pub mod clock;
pub mod customer;
pub mod dunning;
pub mod error_code;
pub mod holidays;
pub mod event;
pub mod idempotency;
pub mod ids;
pub mod invoice;
pub mod invoice_number;
pub mod invoice_status;
pub mod journal;
pub mod matching;
pub mod money;
pub mod outbox;
pub mod payment;
pub mod payment_actions;
pub mod processor_event;
pub mod reconciliation;
pub mod reminder;
pub mod ports;
pub mod text;
pub mod timeline;

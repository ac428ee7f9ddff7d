//! End-to-end tests: one binary, run against the local stack that
//! `make test` starts (HTTP front, DynamoDB Local, moto).

mod api_keys;
mod bad_input;
mod bank_statements;
mod conventions;
mod customers;
mod delivery;
mod idempotency;
mod invoice_lifecycle;
mod invoice_routes;
mod local_controls;
mod openapi_conformance;
mod under_faults;
mod payments;
mod stripe_events;
mod stripe_webhooks;
mod webhooks_under_faults;
mod customer_word;
mod dunning_policy;
mod payments_under_faults;
mod reminders;

//! End-to-end tests: one binary, run against the local stack that
//! `make test` starts (HTTP front, DynamoDB Local, moto).

mod conventions;
mod invoice_lifecycle;
mod local_controls;

//! The local stack's front. It reads `template.yaml` (the deployed truth)
//! and behaves as AWS would around our handlers: API Gateway routing for
//! `HttpApi` events, event-source mappings for DynamoDB streams, and the
//! `/_local/*` controls. Local only; never deployed.

pub mod catalogue;
pub mod clock;
pub mod filter;
pub mod gateway;
pub mod queues;
pub mod resources;
pub mod rules;
pub mod schedule;
pub mod streams;
pub mod template;
pub mod time_travel;

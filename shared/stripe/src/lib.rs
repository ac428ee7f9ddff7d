//! Stripe webhooks, in two steps, for `POST /v1/webhooks/stripe`.
//!
//! 1. [`signature::verify`]: check that the request came from Stripe. The
//!    `Stripe-Signature` header carries a timestamp `t` and one or more
//!    `v1` HMAC-SHA256 signatures over `"<t>.<raw body>"`, keyed with the
//!    endpoint's signing secret (`whsec_…`).
//! 2. [`event::parse_event`]: identify the event and map it to the domain's
//!    [`ProcessorEvent`](o2c_domain::processor_event::ProcessorEvent), with
//!    amounts converted from Stripe's integer minor units by the currency's
//!    exponent. Event types o2c does not act on become `Ignored`.
//!
//! Why it is built this way:
//!
//! - **Exact bytes.** The signature covers the body exactly as received.
//!   Verify the raw bytes before anything parses them; JSON that was parsed
//!   and serialised again is different bytes and will not verify.
//! - **Constant time.** Each candidate `v1` is compared with
//!   [`hmac::Mac::verify_slice`], never `==`, so response timing tells an
//!   attacker nothing about how close a forged signature was.
//! - **Fail closed.** There is no default or fallback secret in this crate,
//!   and a blank one is refused by [`signature::WebhookSecret::new`]. A
//!   missing, malformed, mismatched or stale signature is an error; the
//!   caller answers 400 and changes nothing. Secrets never appear in errors
//!   or `Debug` output.
//!
//! Only parse a body after it verified: [`event::parse_event`] trusts its
//! input to be Stripe's.

pub mod event;
pub mod signature;

//! Real Stripe event payloads (third-party samples kept outside the repo,
//! see `shared/samples/SOURCES.md`): every file in the folder must verify
//! when signed over its exact bytes and must parse, and the known files
//! must read as the values they hold. CI has the folder; without it these
//! tests print a note and pass.

use std::path::{Path, PathBuf};

use chrono::DateTime;
use o2c_domain::money::{Currency, Money};
use o2c_domain::processor_event::{DisputeChange, PayerHints, ProcessorEvent, ProcessorEventKind, ProcessorRef};
use o2c_stripe::event::parse_event;
use o2c_stripe::signature::{sign, verify, SignatureError, WebhookSecret, DEFAULT_TOLERANCE_SECONDS};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/stripe-events");

/// Event types o2c acts on; a sample of any other type fails the test
/// unless listed in [`IGNORED_TYPES`].
const ACTED_ON: &[&str] = &[
    "payment_intent.succeeded",
    "charge.refunded",
    "charge.dispute.created",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "charge.dispute.closed",
];
/// Sample types known to be ignored on purpose (none yet).
const IGNORED_TYPES: &[&str] = &[];

/// Every `*.json` file in the samples folder with its exact bytes, or
/// `None` (after a note) when the folder is not on this machine.
fn samples() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = Path::new(SAMPLES);
    if !dir.is_dir() {
        eprintln!("note: {SAMPLES} does not exist; skipping the Stripe sample tests (CI has it)");
        return None;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no samples in {SAMPLES}");
    Some(
        files
            .into_iter()
            .map(|path| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let bytes = std::fs::read(&path).unwrap();
                (name, bytes)
            })
            .collect(),
    )
}

fn r(id: &str) -> ProcessorRef {
    ProcessorRef::parse(id).unwrap()
}

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::parse("USD").unwrap()).unwrap()
}

/// The kind must be the one its type implies.
fn check_kind_matches_type(name: &str, event: &ProcessorEvent) {
    let t = event.event_type.as_str();
    let ok = match &event.kind {
        ProcessorEventKind::PaymentSucceeded { .. } => t == "payment_intent.succeeded",
        ProcessorEventKind::ChargeRefunded { .. } => t == "charge.refunded",
        ProcessorEventKind::Dispute { .. } => t.starts_with("charge.dispute."),
        ProcessorEventKind::Ignored => IGNORED_TYPES.contains(&t),
    };
    assert!(ok, "{name}: type {t} read as {:?}", event.kind);
    assert!(
        ACTED_ON.contains(&t) || IGNORED_TYPES.contains(&t),
        "{name}: type {t} is neither acted on nor listed in IGNORED_TYPES"
    );
}

/// The values of the samples we know, by file name.
fn check_known_values(name: &str, event: &ProcessorEvent) -> bool {
    let long_ch = r("ch_000000000000000000000000");
    match name {
        "stripe-ruby-mock_payment_intent.succeeded.json" => {
            assert_eq!(event.id, r("evt_000000000000000000000000"));
            assert_eq!(event.created, DateTime::from_timestamp(1_648_320_033, 0).unwrap());
            assert!(!event.livemode);
            assert_eq!(
                event.kind,
                ProcessorEventKind::PaymentSucceeded {
                    payment_intent: r("pi_000000000000000000000000"),
                    amount: usd(2000),
                    charges: vec![long_ch],
                    hints: PayerHints::default(),
                    description: Some("(created by Stripe CLI)".into()),
                }
            );
            let ProcessorEventKind::PaymentSucceeded { amount, .. } = &event.kind else { unreachable!() };
            assert_eq!(amount.to_string(), "20.00");
        }
        "stripe-ruby-mock_charge.refunded.json" => {
            assert_eq!(
                event.kind,
                ProcessorEventKind::ChargeRefunded { charge: long_ch, payment_intent: None, amount_refunded: usd(100) }
            );
        }
        "stripe-ruby-mock_charge.dispute.created.json" => {
            assert_eq!(
                event.kind,
                ProcessorEventKind::Dispute {
                    dispute: r("dp_000000000000000000000000"),
                    charge: long_ch,
                    payment_intent: None,
                    amount: usd(100),
                    change: DisputeChange::Created,
                    status: "warning_needs_response".into(),
                    reason: Some("fraudulent".into()),
                }
            );
        }
        // API version 2017-12-14: `request: null`, 14-digit placeholder ids,
        // and no `payment_intent` field at all on the dispute.
        "stripe-ruby-mock_charge.dispute.funds_withdrawn.json" => {
            assert_eq!(event.id, r("evt_00000000000000"));
            assert_eq!(event.created, DateTime::from_timestamp(1_326_853_478, 0).unwrap());
            assert_eq!(
                event.kind,
                ProcessorEventKind::Dispute {
                    dispute: r("dp_00000000000000"),
                    charge: r("ch_00000000000000"),
                    payment_intent: None,
                    amount: usd(25_000),
                    change: DisputeChange::FundsWithdrawn,
                    status: "needs_response".into(),
                    reason: Some("fraudulent".into()),
                }
            );
        }
        _ => return false,
    }
    true
}

#[test]
fn every_sample_parses_and_known_samples_hold_their_values() {
    let Some(samples) = samples() else { return };
    let mut known = 0;
    for (name, bytes) in &samples {
        let event = parse_event(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_kind_matches_type(name, &event);
        if check_known_values(name, &event) {
            known += 1;
        }
    }
    assert_eq!(known, 4, "a known sample was renamed or removed");
}

#[test]
fn every_sample_verifies_over_its_exact_bytes() {
    let Some(samples) = samples() else { return };
    let secret = WebhookSecret::new("whsec_samples_test_secret").unwrap();
    let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    for (name, bytes) in &samples {
        let header = sign(&secret, now.timestamp(), bytes);
        assert_eq!(verify(Some(&header), bytes, &secret, now, DEFAULT_TOLERANCE_SECONDS), Ok(now), "{name}");

        // The same JSON in other bytes (re-serialised, or one more newline)
        // is not what Stripe signed.
        let value: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        let reserialised = serde_json::to_vec(&value).unwrap();
        assert_ne!(&reserialised, bytes, "{name}");
        let mismatch = Err(SignatureError::Mismatch);
        assert_eq!(verify(Some(&header), &reserialised, &secret, now, DEFAULT_TOLERANCE_SECONDS), mismatch, "{name}");
        let mut newline = bytes.clone();
        newline.push(b'\n');
        assert_eq!(verify(Some(&header), &newline, &secret, now, DEFAULT_TOLERANCE_SECONDS), mismatch, "{name}");
    }
}

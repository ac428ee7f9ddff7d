use super::*;
use proptest::prelude::*;
use serde_json::json;

fn body(event_type: &str, object: Value) -> Vec<u8> {
    let envelope = json!({
        "id": "evt_1", "object": "event", "created": 1_700_000_000, "livemode": true,
        "type": event_type, "data": { "object": object },
    });
    serde_json::to_vec(&envelope).unwrap()
}

fn kind(event_type: &str, object: Value) -> Result<ProcessorEventKind, EventError> {
    parse_event(&body(event_type, object)).map(|e| e.kind)
}

fn r(id: &str) -> ProcessorRef {
    ProcessorRef::parse(id).unwrap()
}

fn pi(extra: Value) -> Value {
    let mut object = json!({ "id": "pi_1", "object": "payment_intent", "amount_received": 2000, "currency": "usd" });
    object.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    object
}

fn paid(object: Value) -> (ProcessorRef, Money, Vec<ProcessorRef>, PayerHints, Option<String>) {
    match kind("payment_intent.succeeded", object).unwrap() {
        ProcessorEventKind::PaymentSucceeded { payment_intent, amount, charges, hints, description } => {
            (payment_intent, amount, charges, hints, description)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_envelope_is_read() {
    let event = parse_event(&body("payment_intent.succeeded", pi(json!({})))).unwrap();
    assert_eq!(event.id, r("evt_1"));
    assert_eq!(event.event_type, "payment_intent.succeeded");
    assert_eq!(event.created, DateTime::from_timestamp(1_700_000_000, 0).unwrap());
    assert!(event.livemode);
}

#[test]
fn a_new_api_payment_names_its_latest_charge_and_hints() {
    let (id, amount, charges, hints, description) = paid(pi(json!({
        "latest_charge": "ch_9", "customer": "cus_Stripe1", "description": "Invoice INV-2026-000042",
        "metadata": { "invoice_id": "inv_01J", "invoice_number": "INV-2026-000042", "customer_id": "cus_01J" },
    })));
    assert_eq!(id, r("pi_1"));
    assert_eq!(amount.to_string(), "20.00");
    assert_eq!(amount.currency().code(), "USD");
    assert_eq!(charges, vec![r("ch_9")]);
    assert_eq!(
        hints,
        PayerHints {
            invoice_id: Some("inv_01J".into()),
            invoice_number: Some("INV-2026-000042".into()),
            customer_id: Some("cus_01J".into()),
            processor_customer: Some(r("cus_Stripe1")),
        }
    );
    assert_eq!(description.as_deref(), Some("Invoice INV-2026-000042"));
}

#[test]
fn embedded_and_latest_charges_are_merged_without_duplicates() {
    let (_, _, charges, _, _) = paid(pi(json!({
        "charges": { "object": "list", "data": [{ "id": "ch_2", "object": "charge" }, { "id": "ch_1" }] },
        "latest_charge": { "id": "ch_2", "object": "charge" },
    })));
    assert_eq!(charges, vec![r("ch_2"), r("ch_1")]);
    let (_, _, charges, _, _) = paid(pi(json!({ "latest_charge": null, "charges": null })));
    assert!(charges.is_empty());
}

#[test]
fn empty_metadata_and_expanded_customers_are_understood() {
    let (_, _, _, hints, description) = paid(pi(json!({
        "metadata": { "invoice_id": "", "invoice_number": "", "other": "x" },
        "customer": { "id": "cus_X", "object": "customer" },
        "description": null,
    })));
    assert_eq!(hints, PayerHints { processor_customer: Some(r("cus_X")), ..PayerHints::default() });
    assert_eq!(description, None);
}

#[test]
fn minor_units_convert_with_the_currency_exponent() {
    for (units, currency, expected) in [(2000, "jpy", "2000"), (12340, "bhd", "12.340"), (2000, "usd", "20.00")] {
        let (_, amount, ..) = paid(pi(json!({ "amount_received": units, "currency": currency })));
        assert_eq!(amount.to_string(), expected);
        assert_eq!(amount.currency().code(), currency.to_ascii_uppercase());
    }
}

#[test]
fn amounts_must_be_non_negative_integers_in_a_known_currency() {
    let field = "data.object.amount_received";
    for bad in [json!(20.5), json!(2000.0), json!(-1), json!("2000"), json!(true), json!(u64::MAX)] {
        let err = kind("payment_intent.succeeded", pi(json!({ "amount_received": bad }))).unwrap_err();
        assert!(matches!(err, EventError::Invalid { field: f, .. } if f == field), "{bad}: {err:?}");
    }
    let err = kind("payment_intent.succeeded", pi(json!({ "currency": "zzz" }))).unwrap_err();
    assert!(matches!(err, EventError::Invalid { field: "data.object.currency", .. }), "{err:?}");
    let mut object = pi(json!({}));
    object.as_object_mut().unwrap().remove("amount_received");
    assert_eq!(kind("payment_intent.succeeded", object), Err(EventError::Missing(field)));
    let err = kind("payment_intent.succeeded", pi(json!({ "amount_received": 100_000_000_000_000_u64 }))).unwrap_err();
    assert!(matches!(err, EventError::Invalid { field: f, .. } if f == field), "{err:?}");
}

#[test]
fn a_refund_names_its_charge_and_cumulative_amount() {
    let object = json!({
        "id": "ch_1", "object": "charge", "amount_refunded": 150, "currency": "eur",
        "payment_intent": { "id": "pi_1", "object": "payment_intent" },
    });
    assert_eq!(
        kind("charge.refunded", object).unwrap(),
        ProcessorEventKind::ChargeRefunded {
            charge: r("ch_1"),
            payment_intent: Some(r("pi_1")),
            amount_refunded: Money::from_minor(150, Currency::parse("EUR").unwrap()).unwrap(),
        }
    );
}

#[test]
fn every_dispute_change_is_read() {
    for (suffix, change) in [
        ("created", DisputeChange::Created),
        ("funds_withdrawn", DisputeChange::FundsWithdrawn),
        ("funds_reinstated", DisputeChange::FundsReinstated),
        ("closed", DisputeChange::Closed),
    ] {
        let object = json!({
            "id": "dp_1", "object": "dispute", "amount": 500, "currency": "usd",
            "charge": { "id": "ch_1", "object": "charge" }, "status": "won", "reason": null,
        });
        assert_eq!(
            kind(&format!("charge.dispute.{suffix}"), object).unwrap(),
            ProcessorEventKind::Dispute {
                dispute: r("dp_1"),
                charge: r("ch_1"),
                payment_intent: None,
                amount: Money::from_minor(500, Currency::parse("USD").unwrap()).unwrap(),
                change,
                status: "won".into(),
                reason: None,
            }
        );
    }
}

#[test]
fn a_dispute_without_a_charge_or_status_is_refused() {
    let object = json!({ "id": "dp_1", "amount": 5, "currency": "usd", "charge": null, "status": "lost" });
    assert_eq!(kind("charge.dispute.closed", object), Err(EventError::Missing("data.object.charge")));
    let object = json!({ "id": "dp_1", "amount": 5, "currency": "usd", "charge": "ch_1" });
    assert_eq!(kind("charge.dispute.closed", object), Err(EventError::Missing("data.object.status")));
    let object = json!({ "id": "dp_1", "amount": 5, "currency": "usd", "charge": 7, "status": "lost" });
    assert!(matches!(kind("charge.dispute.closed", object), Err(EventError::Invalid { field: "data.object.charge", .. })));
}

#[test]
fn an_object_of_the_wrong_kind_is_refused() {
    let object = json!({ "id": "ch_1", "object": "charge", "amount_received": 1, "currency": "usd" });
    let err = kind("payment_intent.succeeded", object).unwrap_err();
    assert!(matches!(err, EventError::Invalid { field: "data.object.object", .. }), "{err:?}");
}

#[test]
fn other_event_types_are_ignored_but_their_envelope_must_parse() {
    assert_eq!(kind("customer.created", json!({ "id": "cus_1" })), Ok(ProcessorEventKind::Ignored));
    let mut envelope: Value = serde_json::from_slice(&body("customer.created", json!({}))).unwrap();
    envelope.as_object_mut().unwrap().remove("id");
    assert_eq!(parse_event(&serde_json::to_vec(&envelope).unwrap()), Err(EventError::Missing("id")));
}

#[test]
fn broken_envelopes_are_refused() {
    assert!(matches!(parse_event(b"not json"), Err(EventError::NotJson(_))));
    assert!(matches!(parse_event(b"[1,2]"), Err(EventError::NotJson(_))));
    assert!(matches!(parse_event(b""), Err(EventError::NotJson(_))));
    let cases: [(&str, Value, EventError); 7] = [
        ("created", json!("yesterday"), invalid("created", "is not unix seconds")),
        ("created", json!(1.5), invalid("created", "is not unix seconds")),
        ("livemode", json!("false"), invalid("livemode", "is not a boolean")),
        ("livemode", Value::Null, EventError::Missing("livemode")),
        ("type", json!(""), invalid("type", "is not an event type")),
        ("id", json!(""), invalid("id", "is not a processor id (1..=255 printable characters)")),
        ("data", json!({}), EventError::Missing("data.object")),
    ];
    for (key, value, expected) in cases {
        let mut envelope: Value = serde_json::from_slice(&body("charge.refunded", json!({}))).unwrap();
        envelope[key] = value;
        assert_eq!(parse_event(&serde_json::to_vec(&envelope).unwrap()), Err(expected), "{key}");
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_event(&bytes);
    }

    #[test]
    fn any_integer_amount_is_exact_or_refused(units in any::<i64>()) {
        match kind("charge.refunded", json!({ "id": "ch_1", "amount_refunded": units, "currency": "bhd" })) {
            Ok(ProcessorEventKind::ChargeRefunded { amount_refunded, .. }) => {
                prop_assert!(units >= 0);
                prop_assert_eq!(amount_refunded.to_minor(), units);
            }
            Ok(other) => prop_assert!(false, "{:?}", other),
            Err(err) => {
                let refused = matches!(err, EventError::Invalid { field: "data.object.amount_refunded", .. });
                prop_assert!(refused);
                prop_assert!(!(0..=999_999_999_999_999).contains(&units));
            }
        }
    }
}

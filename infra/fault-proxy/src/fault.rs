//! Which fault a request gets, and the bodies real DynamoDB answers with.
//!
//! Kept free of any I/O so that the decision and the bodies can be unit
//! tested without a socket.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// How often each fault is injected, each a probability in `0.0..=1.0`.
///
/// The bands are laid end to end in this order (conflict, throttle,
/// server_error, timeout, lost_response) over one uniform draw per request,
/// so each rate is exactly the probability of its fault as long as the
/// rates sum to at most 1; past that, the earlier faults win. `conflict`
/// only has a band for `TransactWriteItems`: for every other operation the
/// later bands start at 0, so a throttle rate means the same for a GetItem
/// as for a transaction.
///
/// As JSON (the `/_faults` endpoint) a missing field is 0 and an unknown
/// field is an error, so a typo cannot silently turn a fault off.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultRates {
    /// `TransactionCanceledException` with a `TransactionConflict` reason,
    /// for `TransactWriteItems` only; nothing reaches DynamoDB Local.
    pub conflict: f64,
    /// `ThrottlingException` (HTTP 400); nothing reaches DynamoDB Local.
    pub throttle: f64,
    /// `InternalServerError` (HTTP 500); nothing reaches DynamoDB Local.
    pub server_error: f64,
    /// No answer at all: the connection is held open, then closed.
    pub timeout: f64,
    /// The request IS applied by DynamoDB Local, then the connection is
    /// closed without an answer: a commit the caller never hears about.
    pub lost_response: f64,
}

impl FaultRates {
    /// Rejects rates outside `0.0..=1.0` (and NaN), naming the first one.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in self.named() {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("rate {name} = {rate} is not within 0.0..=1.0"));
            }
        }
        Ok(())
    }

    fn named(&self) -> [(&'static str, f64); 5] {
        [
            ("conflict", self.conflict),
            ("throttle", self.throttle),
            ("server_error", self.server_error),
            ("timeout", self.timeout),
            ("lost_response", self.lost_response),
        ]
    }
}

/// One injected outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    Conflict,
    Throttle,
    ServerError,
    Timeout,
    LostResponse,
}

impl Fault {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Fault::Conflict => "conflict",
            Fault::Throttle => "throttle",
            Fault::ServerError => "server_error",
            Fault::Timeout => "timeout",
            Fault::LostResponse => "lost_response",
        }
    }
}

/// The fault for one request, from one uniform `draw` in `[0, 1)`.
///
/// `conflict_applies` is true only for a `TransactWriteItems` that names at
/// least one item: a conflict needs items to be cancelled, and a request
/// without any is left for DynamoDB Local to reject as real DynamoDB would.
pub(crate) fn decide(rates: &FaultRates, conflict_applies: bool, draw: f64) -> Option<Fault> {
    let bands = [
        (Fault::Conflict, if conflict_applies { rates.conflict } else { 0.0 }),
        (Fault::Throttle, rates.throttle),
        (Fault::ServerError, rates.server_error),
        (Fault::Timeout, rates.timeout),
        (Fault::LostResponse, rates.lost_response),
    ];
    let mut edge = 0.0;
    for (fault, rate) in bands {
        edge += rate;
        if draw < edge {
            return Some(fault);
        }
    }
    None
}

/// The operation from `x-amz-target` (`DynamoDB_20120810.PutItem` ->
/// `PutItem`): what real DynamoDB dispatches on, since every call is a POST /.
pub(crate) fn operation(target: Option<&str>) -> &str {
    match target {
        Some(t) => t.rsplit('.').next().unwrap_or(t),
        None => "",
    }
}

/// How many entries a `TransactWriteItems` body's `TransactItems` holds
/// (0 when the body is not such JSON).
pub(crate) fn transact_item_count(body: &[u8]) -> usize {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("TransactItems").and_then(Value::as_array).map(Vec::len))
        .unwrap_or(0)
}

const NAMESPACE: &str = "com.amazonaws.dynamodb.v20120810";

/// The body of a `TransactionCanceledException` for a conflict on the
/// first of `items` items, shaped like real DynamoDB's:
///
/// - one reason per item, in request order; the item that conflicted has
///   `{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}`,
///   the others `{"Code":"None"}` (no `Message` key at all);
/// - the top-level message key is `Message` (capital M, unlike most
///   DynamoDB errors) and lists every item's code in order, e.g.
///   `[TransactionConflict, None]`.
///
/// Real DynamoDB flags whichever items are contended (one, several or all);
/// the first is flagged here so the body is deterministic.
pub(crate) fn cancellation_body(items: usize) -> String {
    let items = items.max(1);
    let reasons: Vec<Value> = (0..items)
        .map(|i| {
            if i == 0 {
                json!({"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"})
            } else {
                json!({"Code": "None"})
            }
        })
        .collect();
    let codes: Vec<&str> = reasons.iter().filter_map(|r| r["Code"].as_str()).collect();
    json!({
        "__type": format!("{NAMESPACE}#TransactionCanceledException"),
        "Message": format!(
            "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
            codes.join(", ")
        ),
        "CancellationReasons": reasons,
    })
    .to_string()
}

/// `ThrottlingException`, the error DynamoDB documents for data-plane
/// throttling on every operation (on-demand tables and, since 2025, with
/// `ThrottlingReasons`); the SDKs treat it as a throttling error and back
/// off. A provisioned table may answer `ProvisionedThroughputExceededException`
/// instead, which the SDK classifies the same way.
pub(crate) fn throttling_body() -> String {
    json!({
        "__type": format!("{NAMESPACE}#ThrottlingException"),
        "message": "Rate of requests exceeds the allowed throughput.",
    })
    .to_string()
}

/// `InternalServerError`, HTTP 500: the SDK treats it as transient and retries.
pub(crate) fn server_error_body() -> String {
    json!({
        "__type": format!("{NAMESPACE}#InternalServerError"),
        "message": "Internal server error",
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    fn decisions(seed: u64, rates: &FaultRates, n: usize) -> Vec<Option<Fault>> {
        let rng = SplitMix64::new(seed);
        (0..n).map(|i| decide(rates, i % 3 == 0, rng.next_unit())).collect()
    }

    fn some_of_each() -> FaultRates {
        FaultRates { conflict: 0.2, throttle: 0.1, server_error: 0.1, timeout: 0.05, lost_response: 0.05 }
    }

    #[test]
    fn the_same_seed_makes_the_same_decisions() {
        assert_eq!(decisions(42, &some_of_each(), 1_000), decisions(42, &some_of_each(), 1_000));
    }

    #[test]
    fn different_seeds_make_different_decisions() {
        assert_ne!(decisions(42, &some_of_each(), 1_000), decisions(43, &some_of_each(), 1_000));
    }

    #[test]
    fn rates_of_zero_never_inject_anything() {
        assert!(decisions(1, &FaultRates::default(), 10_000).iter().all(Option::is_none));
    }

    #[test]
    fn a_rate_of_one_always_injects_that_fault() {
        let cases = [
            (FaultRates { throttle: 1.0, ..Default::default() }, Fault::Throttle),
            (FaultRates { server_error: 1.0, ..Default::default() }, Fault::ServerError),
            (FaultRates { timeout: 1.0, ..Default::default() }, Fault::Timeout),
            (FaultRates { lost_response: 1.0, ..Default::default() }, Fault::LostResponse),
        ];
        for (rates, fault) in cases {
            assert!(decisions(9, &rates, 1_000).iter().all(|d| *d == Some(fault)), "{fault:?}");
        }
        let conflict = FaultRates { conflict: 1.0, ..Default::default() };
        assert_eq!(decide(&conflict, true, 0.999_999_999), Some(Fault::Conflict));
    }

    #[test]
    fn a_conflict_is_only_injected_into_transact_write_items() {
        let rates = FaultRates { conflict: 1.0, ..Default::default() };
        assert_eq!(decide(&rates, false, 0.0), None);
        assert_eq!(decide(&rates, true, 0.0), Some(Fault::Conflict));
    }

    #[test]
    fn for_other_operations_the_throttle_band_starts_at_zero() {
        let rates = FaultRates { conflict: 0.5, throttle: 0.5, ..Default::default() };
        assert_eq!(decide(&rates, false, 0.25), Some(Fault::Throttle));
        assert_eq!(decide(&rates, true, 0.25), Some(Fault::Conflict));
        assert_eq!(decide(&rates, true, 0.75), Some(Fault::Throttle));
    }

    #[test]
    fn observed_frequencies_follow_the_rates() {
        let rates = FaultRates { throttle: 0.3, server_error: 0.2, ..Default::default() };
        let all = decisions(5, &rates, 20_000);
        let share = |f| all.iter().filter(|d| **d == Some(f)).count() as f64 / all.len() as f64;
        assert!((share(Fault::Throttle) - 0.3).abs() < 0.02, "{}", share(Fault::Throttle));
        assert!((share(Fault::ServerError) - 0.2).abs() < 0.02, "{}", share(Fault::ServerError));
    }

    #[test]
    fn rates_outside_zero_to_one_are_rejected() {
        assert!(FaultRates { throttle: 1.5, ..Default::default() }.validate().is_err());
        assert!(FaultRates { timeout: -0.1, ..Default::default() }.validate().is_err());
        assert!(FaultRates { conflict: f64::NAN, ..Default::default() }.validate().is_err());
        assert!(some_of_each().validate().is_ok());
    }

    #[test]
    fn rates_as_json_default_missing_fields_to_zero_and_reject_unknown_ones() {
        let rates: FaultRates = serde_json::from_str(r#"{"conflict":0.25}"#).unwrap();
        assert_eq!(rates, FaultRates { conflict: 0.25, ..Default::default() });
        assert!(serde_json::from_str::<FaultRates>(r#"{"server-error":0.5}"#).is_err());
    }

    #[test]
    fn the_operation_is_the_part_of_the_target_after_the_dot() {
        assert_eq!(operation(Some("DynamoDB_20120810.TransactWriteItems")), "TransactWriteItems");
        assert_eq!(operation(None), "");
    }

    #[test]
    fn transact_items_are_counted_from_the_request_body() {
        let body = br#"{"TransactItems":[{"Put":{}},{"Update":{}},{"ConditionCheck":{}}]}"#;
        assert_eq!(transact_item_count(body), 3);
        assert_eq!(transact_item_count(b"not json"), 0);
    }

    #[test]
    fn the_cancellation_body_has_one_reason_per_item_with_the_first_in_conflict() {
        let body: Value = serde_json::from_str(&cancellation_body(3)).unwrap();
        assert_eq!(body["__type"], "com.amazonaws.dynamodb.v20120810#TransactionCanceledException");
        assert_eq!(
            body["Message"],
            "Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None, None]"
        );
        assert_eq!(
            body["CancellationReasons"],
            json!([
                {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"},
                {"Code": "None"},
                {"Code": "None"},
            ])
        );
    }

    #[test]
    fn the_throttling_and_server_error_bodies_carry_dynamodbs_type_names() {
        let throttle: Value = serde_json::from_str(&throttling_body()).unwrap();
        assert_eq!(throttle["__type"], "com.amazonaws.dynamodb.v20120810#ThrottlingException");
        let server: Value = serde_json::from_str(&server_error_body()).unwrap();
        assert_eq!(server["__type"], "com.amazonaws.dynamodb.v20120810#InternalServerError");
    }
}

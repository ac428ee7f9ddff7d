//! The `Stripe-Signature` header: `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`,
//! each `v1` an HMAC-SHA256 over `"<t>.<raw body>"` keyed with the
//! endpoint's signing secret. Stripe sends several `v1` while a secret is
//! being rolled; any one matching is enough. `v0` (test-mode legacy) and
//! unknown keys are ignored.

use std::fmt;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How far the signed timestamp may be from now, either way (Stripe's
/// libraries use the same 300 s).
pub const DEFAULT_TOLERANCE_SECONDS: i64 = 300;

/// A webhook signing secret (`whsec_…`). Debug/Display never show it.
///
/// Holds only the HMAC state keyed with the secret, ready to clone per
/// request. Deliberately not `PartialEq`: comparing secrets is not a thing
/// to do.
#[derive(Clone)]
pub struct WebhookSecret(HmacSha256);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the webhook signing secret is empty or only whitespace")]
    Blank,
}

impl WebhookSecret {
    /// The key is the whole secret string, `whsec_` prefix included, exactly
    /// as Stripe uses it. Empty or whitespace-only text is refused.
    pub fn new(text: &str) -> Result<Self, SecretError> {
        if text.trim().is_empty() {
            return Err(SecretError::Blank);
        }
        // HMAC accepts keys of any length; this cannot fail.
        HmacSha256::new_from_slice(text.as_bytes()).map(Self).map_err(|_| SecretError::Blank)
    }

    /// The HMAC over `"<t>." ++ body`, not yet finalised.
    fn mac(&self, timestamp: i64, body: &[u8]) -> HmacSha256 {
        let mut mac = self.0.clone();
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl fmt::Display for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Why a request is not accepted as Stripe's. Every variant means 400 and
/// nothing changes. None carries header or secret text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing")]
    Missing,
    #[error("the Stripe-Signature header is malformed: {0}")]
    Malformed(&'static str),
    #[error("the Stripe-Signature header has no v1 signature")]
    NoV1Signature,
    #[error("the signed timestamp is {age_seconds} s old, beyond the tolerance")]
    TooOld { age_seconds: i64 },
    #[error("the signed timestamp is {ahead_seconds} s in the future, beyond the tolerance")]
    FromTheFuture { ahead_seconds: i64 },
    #[error("no v1 signature matches the body")]
    Mismatch,
}

/// The parts of a header that matter.
struct Parsed<'a> {
    timestamp: i64,
    v1: Vec<&'a str>,
}

fn parse_header(header: &str) -> Result<Parsed<'_>, SignatureError> {
    let mut timestamp = None;
    let mut v1 = Vec::new();
    for item in header.split(',').map(str::trim) {
        let (key, value) = item.split_once('=').ok_or(SignatureError::Malformed("an item is not key=value"))?;
        match key {
            "t" => {
                if timestamp.is_some() {
                    return Err(SignatureError::Malformed("more than one t"));
                }
                let valid = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
                let t = value.parse::<i64>().ok().filter(|_| valid);
                timestamp = Some(t.ok_or(SignatureError::Malformed("t is not a decimal integer"))?);
            }
            "v1" => v1.push(value),
            _ => {} // v0, and whatever Stripe adds later.
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed("no t"))?;
    Ok(Parsed { timestamp, v1 })
}

/// Verifies `Stripe-Signature` over the exact body bytes; answers the
/// signed timestamp.
///
/// The signature is checked first, the timestamp second: a forged header
/// answers [`SignatureError::Mismatch`] whatever its `t`, so `TooOld` and
/// `FromTheFuture` only ever describe genuine but late (or clock-skewed)
/// deliveries. A negative tolerance accepts nothing.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secret: &WebhookSecret,
    now: DateTime<Utc>,
    tolerance_seconds: i64,
) -> Result<DateTime<Utc>, SignatureError> {
    let header = header.map(str::trim).filter(|h| !h.is_empty()).ok_or(SignatureError::Missing)?;
    let parsed = parse_header(header)?;
    let signed_at =
        DateTime::from_timestamp(parsed.timestamp, 0).ok_or(SignatureError::Malformed("t is out of range"))?;
    if parsed.v1.is_empty() {
        return Err(SignatureError::NoV1Signature);
    }

    let mac = secret.mac(parsed.timestamp, body);
    // Not valid hex, or not 32 bytes: that candidate simply never matches.
    let matched = parsed
        .v1
        .iter()
        .filter_map(|candidate| hex::decode(candidate).ok())
        .any(|candidate| mac.clone().verify_slice(&candidate).is_ok());
    if !matched {
        return Err(SignatureError::Mismatch);
    }

    let age_seconds = now.timestamp().saturating_sub(parsed.timestamp);
    if age_seconds > tolerance_seconds {
        return Err(SignatureError::TooOld { age_seconds });
    }
    let ahead_seconds = age_seconds.saturating_neg();
    if ahead_seconds > tolerance_seconds {
        return Err(SignatureError::FromTheFuture { ahead_seconds });
    }
    Ok(signed_at)
}

/// Builds a header value `t=<t>,v1=<hex>` (for tests and local tools).
pub fn sign(secret: &WebhookSecret, timestamp: i64, body: &[u8]) -> String {
    let tag = secret.mac(timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(tag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &str = "whsec_test_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH";
    const T: i64 = 1_700_000_000;
    const BODY: &[u8] = b"{\"id\":\"evt_test\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\"}\n";
    /// Computed independently of this crate, with Python's standard library:
    /// `hmac.new(SECRET, b"1700000000." + BODY, hashlib.sha256).hexdigest()`.
    const PYTHON_V1: &str = "8b6f4a779cd47fd51338e8217dacc3fad129256bec41823c3b216de37640452d";

    fn secret() -> WebhookSecret {
        WebhookSecret::new(SECRET).unwrap()
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    fn check(header: &str, body: &[u8], now: i64) -> Result<DateTime<Utc>, SignatureError> {
        verify(Some(header), body, &secret(), at(now), DEFAULT_TOLERANCE_SECONDS)
    }

    #[test]
    fn an_independently_computed_signature_verifies() {
        let header = format!("t={T},v1={PYTHON_V1}");
        assert_eq!(check(&header, BODY, T), Ok(at(T)));
        assert_eq!(sign(&secret(), T, BODY), header);
    }

    #[test]
    fn a_valid_signature_answers_the_signed_time() {
        assert_eq!(check(&sign(&secret(), T, BODY), BODY, T + 10), Ok(at(T)));
    }

    #[test]
    fn any_of_several_v1_may_match() {
        let other = "0".repeat(64);
        let header = format!("t={T}, v1={other} , v1={PYTHON_V1},v0={other}");
        assert_eq!(check(&header, BODY, T), Ok(at(T)));
    }

    #[test]
    fn uppercase_hex_is_accepted() {
        let header = format!("t={T},v1={}", PYTHON_V1.to_uppercase());
        assert_eq!(check(&header, BODY, T), Ok(at(T)));
    }

    #[test]
    fn a_different_secret_does_not_verify() {
        let header = sign(&WebhookSecret::new("whsec_someone_else").unwrap(), T, BODY);
        assert_eq!(check(&header, BODY, T), Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_body_changed_by_one_byte_does_not_verify() {
        let header = sign(&secret(), T, BODY);
        let mut body = BODY.to_vec();
        body[7] ^= 0x01;
        assert_eq!(check(&header, &body, T), Err(SignatureError::Mismatch));
        // Even a trailing newline removed is a different body.
        assert_eq!(check(&header, &BODY[..BODY.len() - 1], T), Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_missing_or_blank_header_is_missing() {
        assert_eq!(verify(None, BODY, &secret(), at(T), 300), Err(SignatureError::Missing));
        assert_eq!(check("", BODY, T), Err(SignatureError::Missing));
        assert_eq!(check("  ", BODY, T), Err(SignatureError::Missing));
    }

    #[test]
    fn garbage_headers_are_malformed() {
        let v1 = format!("v1={PYTHON_V1}");
        for header in [
            "garbage".to_owned(),
            v1.clone(),
            format!("t=,{v1}"),
            format!("t=abc,{v1}"),
            format!("t=-5,{v1}"),
            format!("t=+{T},{v1}"),
            format!("t=1.5,{v1}"),
            format!("t=99999999999999999999,{v1}"),
            format!("t={T},t={T},{v1}"),
            format!("t={T},,{v1}"),
            format!("t={T};{v1}"),
        ] {
            assert!(matches!(check(&header, BODY, T), Err(SignatureError::Malformed(_))), "{header}");
        }
    }

    #[test]
    fn a_header_without_v1_has_no_v1_signature() {
        assert_eq!(check(&format!("t={T}"), BODY, T), Err(SignatureError::NoV1Signature));
    }

    #[test]
    fn v0_alone_is_not_enough() {
        // Stripe's legacy test-mode scheme, even when it holds the right HMAC.
        assert_eq!(check(&format!("t={T},v0={PYTHON_V1}"), BODY, T), Err(SignatureError::NoV1Signature));
    }

    #[test]
    fn v1_that_is_not_hex_never_matches() {
        for bad in ["zz", "", &PYTHON_V1[..62], &format!("{PYTHON_V1}00"), &format!("{}g", &PYTHON_V1[..63])] {
            assert_eq!(check(&format!("t={T},v1={bad}"), BODY, T), Err(SignatureError::Mismatch), "{bad}");
        }
    }

    #[test]
    fn the_tolerance_is_inclusive() {
        let header = sign(&secret(), T, BODY);
        assert_eq!(check(&header, BODY, T + 300), Ok(at(T)));
        assert_eq!(check(&header, BODY, T + 301), Err(SignatureError::TooOld { age_seconds: 301 }));
        assert_eq!(check(&header, BODY, T - 300), Ok(at(T)));
        assert_eq!(check(&header, BODY, T - 301), Err(SignatureError::FromTheFuture { ahead_seconds: 301 }));
    }

    #[test]
    fn a_forged_signature_is_refused_whatever_its_age() {
        let forged = format!("t={T},v1={}", "ab".repeat(32));
        for now in [T, T + 301, T - 301] {
            assert_eq!(check(&forged, BODY, now), Err(SignatureError::Mismatch));
        }
        // Replaying a genuine but stale signature with a fresh t breaks it.
        let stale = sign(&secret(), T - 1000, BODY);
        let replayed = stale.replace(&(T - 1000).to_string(), &T.to_string());
        assert_eq!(check(&replayed, BODY, T), Err(SignatureError::Mismatch));
    }

    #[test]
    fn blank_secrets_are_refused_and_secrets_never_show() {
        assert_eq!(WebhookSecret::new("").err(), Some(SecretError::Blank));
        assert_eq!(WebhookSecret::new(" \t\n").err(), Some(SecretError::Blank));
        let s = secret();
        for shown in [format!("{s:?}"), format!("{s}"), format!("{s:#?}")] {
            assert!(!shown.contains("whsec") && !shown.contains("5WbX5"), "{shown}");
        }
    }

    #[test]
    fn errors_never_echo_the_header() {
        let secretish = "t=whsec_leak,v1=whsec_leak";
        let err = check(secretish, BODY, T).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("leak"));
    }

    proptest! {
        #[test]
        fn sign_then_verify_round_trips(
            body in prop::collection::vec(any::<u8>(), 0..2048),
            key in "whsec_[A-Za-z0-9]{1,64}",
            t in 0i64..4_000_000_000,
            skew in -300i64..=300,
        ) {
            let secret = WebhookSecret::new(&key).unwrap();
            let header = sign(&secret, t, &body);
            prop_assert_eq!(verify(Some(&header), &body, &secret, at(t + skew), 300), Ok(at(t)));
        }

        #[test]
        fn any_single_byte_flip_fails(
            body in prop::collection::vec(any::<u8>(), 1..1024),
            index in any::<prop::sample::Index>(),
            mask in 1u8..=255,
        ) {
            let header = sign(&secret(), T, &body);
            let mut flipped = body.clone();
            let i = index.index(flipped.len());
            flipped[i] ^= mask;
            prop_assert_eq!(check(&header, &flipped, T), Err(SignatureError::Mismatch));
        }
    }
}

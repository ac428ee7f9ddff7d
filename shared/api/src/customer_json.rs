//! The contract's customer JSON: create and patch requests, and the
//! customer as answered. Create and patch read the same fields the same
//! way; patch applies only those present (`null` clears an optional one).

use chrono::{DateTime, Utc};
use o2c_domain::actions::FieldProblem;
use o2c_domain::customer::{BillingAddress, CountryCode, Customer, CustomerName, EmailStatus, Locale, Metadata, PaymentTerms, PaymentTermsFields, ShortText, TimeZone, CC_MAX};
use o2c_domain::ids::CustomerId;
use o2c_domain::money::{Currency, Money};
use o2c_domain::text::{BoundedText, Email};
use serde_json::{json, Map, Value};

use crate::fields::{metadata, FieldError, Fields};
use crate::ApiError;

const FIELDS: &[&str] = &[
    "name", "email", "cc", "currency", "payment_terms", "locale", "time_zone", "billing_address", "tax_id", "credit_limit", "external_id", "metadata",
];

/// Customer fields as a request gave them. Outer `None`: absent; for the
/// optional ones, `Some(None)`: set to null.
#[derive(Debug, Default)]
pub struct CustomerInput {
    name: Option<CustomerName>,
    email: Option<Email>,
    cc: Option<Vec<Email>>,
    currency: Option<Currency>,
    payment_terms: Option<PaymentTerms>,
    locale: Option<Locale>,
    time_zone: Option<TimeZone>,
    billing_address: Option<Option<BillingAddress>>,
    tax_id: Option<Option<BoundedText<64>>>,
    credit_limit: Option<Option<String>>,
    external_id: Option<Option<ShortText>>,
    metadata: Option<Metadata>,
}

fn nullable<T>(f: &mut Fields<'_>, name: &str, read: impl FnOnce(&mut Fields<'_>) -> Option<T>) -> Option<Option<T>> {
    if f.is_null(name) {
        return Some(None);
    }
    f.raw(name)?;
    read(f).map(Some)
}

fn read_input(body: &Map<String, Value>, errors: &mut Vec<FieldError>) -> CustomerInput {
    let mut f = Fields::new(body, "", errors);
    f.deny_unknown(FIELDS);
    let mut input = CustomerInput {
        name: f.optional("name", BoundedText::<256>::parse),
        email: f.optional("email", Email::parse),
        currency: f.optional("currency", Currency::parse),
        locale: f.optional("locale", Locale::parse),
        time_zone: f.optional("time_zone", TimeZone::parse),
        ..Default::default()
    };
    input.tax_id = nullable(&mut f, "tax_id", |f| f.optional("tax_id", BoundedText::<64>::parse));
    input.external_id = nullable(&mut f, "external_id", |f| f.optional("external_id", BoundedText::<128>::parse));
    if f.raw("metadata").is_some() {
        input.metadata = Some(metadata(&mut f, "metadata"));
    }
    if let Some(list) = f.optional_array("cc") {
        if list.len() > CC_MAX {
            f.error("cc", format!("has more than {CC_MAX} addresses"));
        }
        let mut cc = Vec::new();
        for (i, v) in list.iter().enumerate() {
            match v.as_str().map(Email::parse) {
                Some(Ok(e)) => cc.push(e),
                Some(Err(e)) => f.error(&format!("cc[{i}]"), e.to_string()),
                None => f.error(&format!("cc[{i}]"), "must be a string"),
            }
        }
        input.cc = Some(cc);
    }
    if let Some(v) = f.raw("payment_terms") {
        match serde_json::from_value::<PaymentTermsFields>(v.clone()).map_err(|e| format!("must be {{\"net_days\", \"discount_percent\", \"discount_days\"}}: {e}")).and_then(|t| PaymentTerms::try_from(t).map_err(|e| e.to_string())) {
            Ok(t) => input.payment_terms = Some(t),
            Err(e) => f.error("payment_terms", e),
        }
    }
    input.billing_address = nullable(&mut f, "billing_address", |f| {
        let m = f.optional_object("billing_address")?;
        parse_address(m, f.errors())
    });
    input.credit_limit = nullable(&mut f, "credit_limit", |f| match f.raw("credit_limit") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => {
            f.error("credit_limit", "must be a decimal string such as \"5000.00\"");
            None
        }
    });
    for required in ["name", "email", "currency", "payment_terms", "locale", "time_zone", "cc", "metadata"] {
        if f.is_null(required) {
            f.error(required, "cannot be null");
        }
    }
    input
}

fn parse_address(m: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Option<BillingAddress> {
    let mut f = Fields::new(m, "billing_address", errors);
    f.deny_unknown(&["line1", "line2", "city", "postal_code", "region", "country"]);
    let line1 = f.optional("line1", BoundedText::<200>::parse);
    let line2 = f.optional("line2", BoundedText::<200>::parse);
    let city = f.optional("city", BoundedText::<128>::parse);
    let postal_code = f.optional("postal_code", BoundedText::<32>::parse);
    let region = f.optional("region", BoundedText::<128>::parse);
    let country = f.required("country", CountryCode::parse)?;
    Some(BillingAddress { line1, line2, city, postal_code, region, country })
}

fn credit_limit(text: &str, currency: Currency) -> Result<Money, String> {
    match Money::parse(text, currency) {
        Ok(m) if m.is_negative() => Err("must not be negative".into()),
        Ok(m) => Ok(m),
        Err(e) => Err(e.to_string()),
    }
}

/// Parses `POST /v1/customers`, reporting every invalid field at once.
pub fn parse_new_customer(body: &Map<String, Value>, id: CustomerId, now: DateTime<Utc>) -> Result<Customer, ApiError> {
    let mut errors = Vec::new();
    let input = read_input(body, &mut errors);
    for (name, present) in [("name", input.name.is_some()), ("email", input.email.is_some()), ("currency", input.currency.is_some())] {
        if !present && !body.contains_key(name) {
            errors.push(FieldError::new(name, "is required"));
        }
    }
    let limit = match (&input.credit_limit, input.currency) {
        (Some(Some(text)), Some(c)) => match credit_limit(text, c) {
            Ok(m) => Some(m),
            Err(e) => {
                errors.push(FieldError::new("credit_limit", e));
                None
            }
        },
        _ => None,
    };
    match (input.name, input.email, input.currency, errors.is_empty()) {
        (Some(name), Some(email), Some(currency), true) => Ok(Customer {
            id,
            name,
            email,
            cc: input.cc.unwrap_or_default(),
            currency,
            payment_terms: input.payment_terms.unwrap_or_default(),
            locale: input.locale.unwrap_or_default(),
            time_zone: input.time_zone.unwrap_or_default(),
            billing_address: input.billing_address.flatten(),
            tax_id: input.tax_id.flatten(),
            credit_limit: limit,
            external_id: input.external_id.flatten(),
            metadata: input.metadata.unwrap_or_default(),
            balance: Money::zero(currency),
            credit_balance: Money::zero(currency),
            credit_hold: false,
            email_status: EmailStatus::Ok,
            dunning_policy: None,
            created_at: now,
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Parses `PATCH /v1/customers/{id}`; what depends on the stored customer
/// (its currency) is checked when the patch is applied.
pub fn parse_customer_patch(body: &Map<String, Value>) -> Result<CustomerInput, ApiError> {
    let mut errors = Vec::new();
    let input = read_input(body, &mut errors);
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(ApiError::Validation(errors))
    }
}

impl CustomerInput {
    /// Applies the fields present. Metadata merges Stripe-style: a key set
    /// to `""` is removed.
    pub fn apply(&self, c: &mut Customer) -> Result<(), Vec<FieldProblem>> {
        let mut problems = Vec::new();
        if let Some(cur) = self.currency {
            if cur != c.currency {
                problems.push(FieldProblem::new("currency", "cannot change once a customer exists"));
            }
        }
        if let Some(v) = &self.name {
            c.name = v.clone();
        }
        if let Some(v) = &self.email {
            c.email = v.clone();
        }
        if let Some(v) = &self.cc {
            c.cc = v.clone();
        }
        if let Some(v) = &self.payment_terms {
            c.payment_terms = v.clone();
        }
        if let Some(v) = &self.locale {
            c.locale = v.clone();
        }
        if let Some(v) = self.time_zone {
            c.time_zone = v;
        }
        if let Some(v) = &self.billing_address {
            c.billing_address = v.clone();
        }
        if let Some(v) = &self.tax_id {
            c.tax_id = v.clone();
        }
        if let Some(v) = &self.external_id {
            c.external_id = v.clone();
        }
        match &self.credit_limit {
            Some(Some(text)) => match credit_limit(text, c.currency) {
                Ok(m) => c.credit_limit = Some(m),
                Err(e) => problems.push(FieldProblem::new("credit_limit", e)),
            },
            Some(None) => c.credit_limit = None,
            None => {}
        }
        if let Some(m) = &self.metadata {
            for (k, v) in m {
                if v.is_empty() {
                    c.metadata.remove(k);
                } else {
                    c.metadata.insert(k.clone(), v.clone());
                }
            }
            if c.metadata.len() > o2c_domain::customer::METADATA_MAX_KEYS {
                problems.push(FieldProblem::new("metadata", format!("would hold more than {} keys", o2c_domain::customer::METADATA_MAX_KEYS)));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

pub fn render_customer(c: &Customer) -> Value {
    json!({
        "id": c.id,
        "object": "customer",
        "name": c.name,
        "email": c.email,
        "cc": c.cc,
        "currency": c.currency,
        "payment_terms": c.payment_terms,
        "locale": c.locale,
        "time_zone": c.time_zone,
        "billing_address": c.billing_address,
        "tax_id": c.tax_id,
        "credit_limit": c.credit_limit.map(|m| m.to_string()),
        "external_id": c.external_id,
        "metadata": c.metadata,
        "balance": c.balance.to_string(),
        "credit_balance": c.credit_balance.to_string(),
        "credit_hold": c.credit_hold,
        "email_status": c.email_status,
        "created_at": c.created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Result<Customer, ApiError> {
        parse_new_customer(v.as_object().unwrap(), CustomerId::from_ulid(Default::default()), Utc::now())
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let err = parse(json!({"email": "nope", "currency": "usd", "cc": ["a@b.co", 5], "payment_terms": {"net_days": 10, "discount_percent": "2", "discount_days": 20}, "billing_address": {"country": "germany"}, "colour": "red"})).unwrap_err();
        let ApiError::Validation(errors) = err else { panic!("expected validation") };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in ["colour", "name", "email", "currency", "cc[1]", "payment_terms", "billing_address.country"] {
            assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
        }
    }

    #[test]
    fn a_minimal_customer_gets_the_contract_defaults() {
        let c = parse(json!({"name": "Acme", "email": "ap@acme.example", "currency": "EUR"})).unwrap();
        assert_eq!(c.locale.as_str(), "en");
        assert_eq!(c.time_zone.to_string(), "UTC");
        assert_eq!(c.payment_terms.net_days(), 30);
        let out = render_customer(&c);
        assert_eq!(out["balance"], "0.00");
        assert_eq!(out["email_status"], "ok");
    }

    #[test]
    fn a_credit_limit_takes_the_currency_digits() {
        let err = parse(json!({"name": "Acme", "email": "ap@acme.example", "currency": "JPY", "credit_limit": "10.5"})).unwrap_err();
        let ApiError::Validation(errors) = err else { panic!() };
        assert_eq!(errors[0].field, "credit_limit");
    }

    #[test]
    fn a_patch_changes_only_what_it_names_and_null_clears() {
        let mut c = parse(json!({"name": "Acme", "email": "ap@acme.example", "currency": "EUR", "tax_id": "DE123", "metadata": {"a": "1", "b": "2"}})).unwrap();
        let patch = parse_customer_patch(json!({"name": "Acme AG", "tax_id": null, "metadata": {"a": "", "c": "3"}}).as_object().unwrap()).unwrap();
        patch.apply(&mut c).unwrap();
        assert_eq!(c.name.as_str(), "Acme AG");
        assert_eq!(c.tax_id, None);
        assert_eq!(c.email.as_str(), "ap@acme.example");
        assert_eq!(c.metadata.keys().collect::<Vec<_>>(), vec!["b", "c"]);
    }

    #[test]
    fn a_patch_cannot_change_the_currency_or_null_a_required_field() {
        let mut c = parse(json!({"name": "Acme", "email": "ap@acme.example", "currency": "EUR"})).unwrap();
        let patch = parse_customer_patch(json!({"currency": "USD"}).as_object().unwrap()).unwrap();
        assert_eq!(patch.apply(&mut c).unwrap_err()[0].field, "currency");
        assert!(parse_customer_patch(json!({"name": null}).as_object().unwrap()).is_err());
    }
}

//! Writes the generated seeds of `fuzz/corpus/` (files named `gen-*`; the
//! `hand-*` files beside them are written by hand and left alone):
//!
//! - bank files: three small statements made here, written by
//!   `o2c_bank::write::write` in every format (camt.053, camt.054, BAI2,
//!   MT940, CSV), alone and together;
//! - Stripe events, bare and behind a header signed with the target's
//!   secret;
//! - API bodies, one or two per route, behind the route byte.
//!
//! Run from anywhere: `cargo run --manifest-path fuzz/Cargo.toml --example
//! make-seeds`. It prints how each seed fares with its parser, so a seed
//! meant to be valid can be seen to be.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use o2c_bank::{Balance, Direction, Entry, Format, Statement};
use o2c_fuzz::{day, route_byte, ROUTES, STRIPE_NOW, STRIPE_SECRET};
use o2c_stripe::signature::{sign, WebhookSecret};
use rust_decimal::Decimal;

fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

fn entry(amount: &str, currency: &str, direction: Direction, booked: NaiveDate) -> Entry {
    Entry {
        booking_date: Some(booked),
        value_date: Some(booked),
        amount: dec(amount),
        currency: currency.to_owned(),
        direction,
        reversal: false,
        bank_reference: None,
        end_to_end_id: None,
        counterparty: None,
        counterparty_account: None,
        creditor_references: Vec::new(),
        remittance: Vec::new(),
        bank_code: None,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn statements() -> Vec<Statement> {
    let eur = Statement {
        format: Format::Camt053,
        version: "camt.053.001.08".into(),
        account: "DE89370400440532013000".into(),
        statement_id: Some("STMT-2026-01-15".into()),
        sequence: Some("15".into()),
        currency: Some("EUR".into()),
        opening_balance: Some(Balance { amount: dec("1000.00"), currency: "EUR".into(), date: Some(day(2026, 1, 14)) }),
        closing_balance: Some(Balance { amount: dec("1237.50"), currency: "EUR".into(), date: Some(day(2026, 1, 15)) }),
        entries: vec![
            Entry {
                bank_reference: Some("BREF-0001".into()),
                end_to_end_id: Some("E2E-INV-2026-000001".into()),
                counterparty: Some("ACME Handels GmbH".into()),
                counterparty_account: Some("FR7630006000011234567890189".into()),
                creditor_references: strings(&["RF18539007547034"]),
                remittance: strings(&["Invoice INV-2026-000001", "thanks, Müller & Söhne"]),
                bank_code: Some("PMNT/RCDT/ESCT".into()),
                ..entry("250.00", "EUR", Direction::Credit, day(2026, 1, 15))
            },
            Entry {
                bank_reference: Some("FEE-77".into()),
                remittance: strings(&["Account fee January"]),
                bank_code: Some("NCHG".into()),
                ..entry("12.50", "EUR", Direction::Debit, day(2026, 1, 15))
            },
        ],
    };
    let usd = Statement {
        format: Format::Bai2,
        version: "BAI2".into(),
        account: "0001234567".into(),
        statement_id: None,
        sequence: None,
        currency: Some("USD".into()),
        opening_balance: Some(Balance { amount: dec("-50.25"), currency: "USD".into(), date: Some(day(2026, 2, 27)) }),
        closing_balance: None,
        entries: vec![
            Entry {
                counterparty: Some("Globex, Inc.".into()),
                remittance: strings(&["INV-2026-000042 / PO 7781"]),
                ..entry("1999.99", "USD", Direction::Credit, day(2026, 2, 27))
            },
            Entry {
                reversal: true,
                bank_reference: Some("RET-1".into()),
                remittance: strings(&["Returned item: INV-2026-000042"]),
                ..entry("1999.99", "USD", Direction::Debit, day(2026, 3, 2))
            },
            Entry { value_date: None, ..entry("0.01", "USD", Direction::Credit, day(2026, 3, 2)) },
        ],
    };
    let jpy = Statement {
        format: Format::Mt940,
        version: "MT940".into(),
        account: "JP-ACC-42".into(),
        statement_id: Some("940-0001".into()),
        sequence: Some("1/1".into()),
        currency: Some("JPY".into()),
        opening_balance: None,
        closing_balance: Some(Balance { amount: dec("150000"), currency: "JPY".into(), date: Some(day(2025, 12, 31)) }),
        entries: vec![Entry {
            counterparty: Some("Yamada Shoji K.K.".into()),
            remittance: strings(&["INV-2025-000311 "]),
            ..entry("150000", "JPY", Direction::Credit, day(2025, 12, 31))
        }],
    };
    vec![eur, usd, jpy]
}

struct Seeds {
    root: PathBuf,
    written: usize,
    bytes: usize,
}

impl Seeds {
    fn put(&mut self, target: &str, name: &str, bytes: &[u8]) {
        let dir = self.root.join(target);
        std::fs::create_dir_all(&dir).expect("a corpus directory");
        std::fs::write(dir.join(format!("gen-{name}")), bytes).expect("a seed written");
        self.written += 1;
        self.bytes += bytes.len();
    }
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Camt053 => "camt053.xml",
        Format::Camt054 => "camt054.xml",
        Format::Bai2 => "bai",
        Format::Mt940 => "sta",
        Format::Csv => "csv",
    }
}

fn target_of(format: Format) -> &'static str {
    match format {
        Format::Camt053 | Format::Camt054 => "camt",
        Format::Bai2 => "bai2",
        Format::Mt940 => "mt940",
        Format::Csv => "csv",
    }
}

fn bank(seeds: &mut Seeds) {
    let all = statements();
    let sets: [(&str, &[Statement]); 2] = [("one", &all[..1]), ("three", &all[..])];
    for format in o2c_fuzz::FORMATS {
        for (label, set) in sets {
            let bytes = o2c_bank::write::write(set, format);
            let name = format!("{label}.{}", extension(format));
            let read = o2c_bank::parse(&bytes, format);
            println!("{:>20} {name:<20} {:>6} bytes: {}", target_of(format), bytes.len(), outcome(&read));
            seeds.put(target_of(format), &name, &bytes);
            seeds.put("statement_roundtrip", &name, &bytes);
        }
    }
}

fn outcome(read: &Result<Vec<Statement>, o2c_bank::ParseError>) -> String {
    match read {
        Ok(statements) => format!("ok, {} statement(s)", statements.len()),
        Err(e) => format!("REFUSED: {e}"),
    }
}

const EVENTS: [(&str, &str); 5] = [
    (
        "payment_intent_succeeded",
        r#"{"id":"evt_3Qa1","object":"event","type":"payment_intent.succeeded","created":1767225500,"livemode":false,"data":{"object":{"id":"pi_3Qa1","object":"payment_intent","amount_received":25000,"currency":"eur","latest_charge":"ch_3Qa1","charges":{"object":"list","data":[{"id":"ch_3Qa1"}]},"customer":{"id":"cus_Stripe1","object":"customer"},"metadata":{"invoice_id":"inv_01ARZ3NDEKTSV4RRFFQ69G5FAW","invoice_number":"INV-2026-000001","customer_id":"cus_01ARZ3NDEKTSV4RRFFQ69G5FAV"},"description":"Invoice INV-2026-000001"}}}"#,
    ),
    (
        "charge_refunded",
        r#"{"id":"evt_3Qa2","object":"event","type":"charge.refunded","created":1767225510,"livemode":true,"data":{"object":{"id":"ch_3Qa1","object":"charge","payment_intent":"pi_3Qa1","amount_refunded":1050,"currency":"jpy"}}}"#,
    ),
    (
        "dispute_created",
        r#"{"id":"evt_3Qa3","object":"event","type":"charge.dispute.created","created":1767225520,"livemode":false,"data":{"object":{"id":"dp_1","object":"dispute","status":"needs_response","charge":{"id":"ch_3Qa1","object":"charge"},"payment_intent":null,"amount":25000,"currency":"kwd"}}}"#,
    ),
    (
        "dispute_closed",
        r#"{"id":"evt_3Qa4","object":"event","type":"charge.dispute.closed","created":1767225530,"livemode":false,"data":{"object":{"id":"dp_1","object":"dispute","status":"won","charge":"ch_3Qa1","amount":25000,"currency":"eur"}}}"#,
    ),
    (
        "ignored",
        r#"{"id":"evt_3Qa5","object":"event","type":"customer.created","created":1767225540,"livemode":false,"data":{"object":{"id":"cus_Stripe1","object":"customer"}}}"#,
    ),
];

fn stripe(seeds: &mut Seeds) {
    let secret = WebhookSecret::new(STRIPE_SECRET).expect("the secret");
    for (name, body) in EVENTS {
        let event = o2c_stripe::event::parse_event(body.as_bytes());
        println!("{:>20} {name:<30} {}", "stripe_webhook", if event.is_ok() { "ok".to_owned() } else { format!("REFUSED: {event:?}") });
        seeds.put("stripe_webhook", &format!("{name}.json"), body.as_bytes());
        let header = sign(&secret, STRIPE_NOW - 10, body.as_bytes());
        seeds.put("stripe_webhook", &format!("{name}.signed"), format!("{header}\n{body}").as_bytes());
    }
    // Secret rolling: an unknown v1 and a v0 before the right one.
    let (_, body) = EVENTS[0];
    let header = sign(&secret, STRIPE_NOW, body.as_bytes());
    let rolled = header.replacen(",v1=", &format!(", v1={} , v0={},v1=", "0".repeat(64), "ab".repeat(32)), 1);
    seeds.put("stripe_webhook", "rolled.signed", format!("{rolled}\n{body}").as_bytes());
}

const CUS: &str = "cus_01ARZ3NDEKTSV4RRFFQ69G5FAV";
const INV: &str = "inv_01ARZ3NDEKTSV4RRFFQ69G5FAW";

fn requests() -> Vec<(&'static str, String)> {
    vec![
        ("POST /v1/customers", r#"{"name":"Globex, Inc.","email":"ap@globex.example","cc":["cfo@globex.example"],"currency":"USD","payment_terms":{"net_days":30,"discount_percent":"2","discount_days":10},"locale":"en-US","time_zone":"America/New_York","billing_address":{"line1":"1 Main St","city":"Springfield","postal_code":"12345","region":"IL","country":"US"},"tax_id":"US123","credit_limit":"5000.00","external_id":"crm-42","metadata":{"segment":"smb"}}"#.into()),
        ("POST /v1/customers", r#"{"name":"","email":"not-an-email","currency":"XYZ","credit_limit":"-1","extra":true}"#.into()),
        ("PATCH /v1/customers/{id}", r#"{"name":"Fuzz AG","billing_address":null,"tax_id":null,"credit_limit":"100.5","metadata":{"segment":"","tier":"gold"}}"#.into()),
        ("PUT /v1/customers/{id}/dunning-policy", r#"{"steps":[{"offset_days":-3,"template":"before_due"},{"offset_days":7,"template":"overdue-1"},{"offset_days":30,"template":"final","credit_hold":true}]}"#.into()),
        ("POST /v1/invoices", format!(r#"{{"customer":"{CUS}","currency":"EUR","lines":[{{"description":"Consulting","quantity":"2.5","unit_amount":"120.00","tax_rate":"19"}},{{"description":"Travel","quantity":"1","unit_amount":"80.10"}}],"issue_date":"2026-01-15","due_date":"2026-02-14","memo":"Thank you","po_number":"PO-7781","metadata":{{"project":"x"}},"finalize":true,"override_credit_hold":false}}"#)),
        ("POST /v1/invoices", format!(r#"{{"customer":"{CUS}","currency":"JPY","lines":[{{"description":"Licence","quantity":"3","unit_amount":"1000"}}]}}"#)),
        ("PATCH /v1/invoices/{id}", r#"{"lines":[{"description":"Consulting","quantity":"1","unit_amount":"99.99","tax_rate":"7"}],"due_date":null,"memo":null,"po_number":"PO-1"}"#.into()),
        ("POST /v1/invoices/{id}/finalize", r#"{"override_credit_hold":true}"#.into()),
        ("POST /v1/invoices/{id}/void", "{}".into()),
        ("POST /v1/invoices/{id}/mark_uncollectible", "".into()),
        ("POST /v1/invoices/{id}/send", r#"{"to":"x"}"#.into()),
        ("POST /v1/invoices/{id}/dispute", r#"{"reason":"The amount is wrong"}"#.into()),
        ("POST /v1/invoices/{id}/resolve", "{}".into()),
        ("POST /v1/invoices/{id}/promise", r#"{"date":"2026-02-01"}"#.into()),
        ("POST /v1/payments", format!(r#"{{"customer":"{CUS}","amount":"100.00","currency":"EUR","received_at":"2026-01-15T12:00:00Z","method":"bank_transfer","reference":"INV-2026-000001","allocations":[{{"invoice":"{INV}","amount":"100.00"}}]}}"#)),
        ("POST /v1/payments", format!(r#"{{"customer":"{CUS}","amount":"0","currency":"EUR","allocations":[{{"invoice":"{INV}","amount":"1"}},{{"invoice":"{INV}","amount":"1"}}]}}"#)),
    ]
}

fn request_json(seeds: &mut Seeds) {
    let mut per_route = std::collections::HashMap::new();
    for (route, body) in requests() {
        let index = ROUTES.iter().position(|r| *r == route).expect("a known route");
        let n = per_route.entry(route).or_insert(0);
        *n += 1;
        let slug: String = route.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
        let mut bytes = vec![route_byte(index, false)];
        bytes.extend_from_slice(body.as_bytes());
        seeds.put("request_json", &format!("{}-{n}.json", slug.trim_matches('_')), &bytes);
        let answer = match o2c_fuzz::request_answer(&bytes) {
            Some((_, Ok(json))) => format!("ok: {}", json.chars().take(60).collect::<String>()),
            Some((_, Err(e))) => format!("refused: {e:?}"),
            None => "empty".into(),
        };
        println!("{:>20} {route:<40} {:>4} bytes: {answer}", "request_json", body.len());
        if *n == 1 && index % 4 == 0 {
            // The same body as API Gateway sends a base64-encoded one.
            let mut encoded = vec![route_byte(index, true)];
            encoded.extend_from_slice(base64(body.as_bytes()).as_bytes());
            seeds.put("request_json", &format!("{}-{n}.b64", slug.trim_matches('_')), &encoded);
        }
    }
}

/// Standard base64 with padding (the fuzz crate does not pull in a
/// base64 crate for seeds alone).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    // Old generated seeds go: a seed renamed here must not linger.
    if let Ok(dirs) = std::fs::read_dir(&root) {
        for dir in dirs.flatten() {
            for file in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
                if file.file_name().to_string_lossy().starts_with("gen-") {
                    std::fs::remove_file(file.path()).expect("an old seed removed");
                }
            }
        }
    }
    let mut seeds = Seeds { root, written: 0, bytes: 0 };
    bank(&mut seeds);
    stripe(&mut seeds);
    request_json(&mut seeds);
    println!("{} generated seeds, {} bytes", seeds.written, seeds.bytes);
}

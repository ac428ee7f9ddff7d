//! Bank statements through the whole system: upload (directly and through
//! a pre-signed URL), the queue fan-out, matching against the store,
//! applying through the payment engine, duplicates and overlaps, returns,
//! payouts, the exceptions API and the journal.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use o2c_bank::{Direction, Entry, Format, Statement};
use o2c_e2e::{eventually_async, Api};
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn word() -> String {
    // Letters only: names compare by words, and digits would read as numbers.
    ulid::Ulid::new().to_string().chars().rev().filter(|c| c.is_ascii_alphabetic()).take(8).collect::<String>().to_lowercase()
}

/// A customer with a name of its own, so amount-and-name matching cannot
/// be confused by the other tests' customers.
async fn customer(api: &Api, terms: Value) -> (String, String) {
    let name = format!("{} {} Handels GmbH", capitalized(&word()), capitalized(&word()));
    let a = api.post("/v1/customers", json!({"name": name, "email": "ap@example.com", "currency": "EUR", "payment_terms": terms})).await;
    assert_eq!(a.status, 201, "{}", a.raw);
    let id = a.body["id"].as_str().unwrap().to_owned();
    never_reminded(api, &id).await;
    (id, name)
}

/// No dunning steps: these invoices exist to be paid by statements, and
/// the reminder tests' time travel must not email hundreds of them.
async fn never_reminded(api: &Api, customer: &str) {
    let a = api.send("PUT", &format!("/v1/customers/{customer}/dunning-policy"), Some(r#"{"steps": []}"#), Some(&api.key.clone())).await;
    assert_eq!(a.status, 200, "{}", a.raw);
}

fn capitalized(w: &str) -> String {
    let mut c = w.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

async fn invoice(api: &Api, customer: &str, amount: &str) -> Value {
    let a = api.post("/v1/invoices", json!({"customer": customer, "finalize": true, "lines": [{"description": "Consulting", "quantity": "1", "unit_amount": amount}]})).await;
    assert_eq!(a.status, 201, "{}", a.raw);
    a.body
}

fn entry(amount: &str, direction: Direction, counterparty: Option<&str>, remittance: &str, bank_reference: Option<&str>) -> Entry {
    Entry {
        booking_date: Some(today()),
        value_date: Some(today()),
        amount: amount.parse::<Decimal>().unwrap(),
        currency: "EUR".into(),
        direction,
        reversal: false,
        bank_reference: bank_reference.map(str::to_owned),
        end_to_end_id: None,
        counterparty: counterparty.map(str::to_owned),
        counterparty_account: None,
        creditor_references: vec![],
        remittance: if remittance.is_empty() { vec![] } else { vec![remittance.to_owned()] },
        bank_code: None,
    }
}

/// A statement of an account of the test's own: statement identities and
/// entry keys are per account, and files some writers make (BAI2) carry no
/// id of the caller's choosing.
fn statement(format: Format, id: &str, entries: Vec<Entry>) -> Statement {
    statement_of(&account(), format, id, entries)
}

fn account() -> String {
    format!("DE89{}", ulid::Ulid::new().random() % 10u128.pow(18))
}

fn statement_of(account: &str, format: Format, id: &str, entries: Vec<Entry>) -> Statement {
    let version = match format {
        Format::Camt053 => "camt.053.001.08",
        Format::Camt054 => "camt.054.001.08",
        Format::Bai2 => "BAI2",
        Format::Mt940 => "MT940",
        Format::Csv => "CSV",
    };
    Statement {
        format,
        version: version.into(),
        account: account.to_owned(),
        statement_id: Some(id.to_owned()),
        sequence: Some("1".into()),
        currency: Some("EUR".into()),
        opening_balance: None,
        closing_balance: None,
        entries,
    }
}

fn content_type(format: Format) -> &'static str {
    match format {
        Format::Camt053 | Format::Camt054 => "application/xml",
        Format::Bai2 => "text/plain; format=bai2",
        Format::Mt940 => "text/plain; format=mt940",
        Format::Csv => "text/csv",
    }
}

async fn upload(api: &Api, format: Format, statements: &[Statement]) -> o2c_e2e::Answer {
    let bytes = o2c_bank::write::write(statements, format);
    upload_bytes(api, &bytes, content_type(format)).await
}

async fn upload_bytes(api: &Api, bytes: &[u8], content_type: &str) -> o2c_e2e::Answer {
    let res = api
        .client
        .post(format!("{}/v1/bank-statements", api.base))
        .bearer_auth(&api.key)
        .header("content-type", content_type)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("the local stack answers");
    let status = res.status().as_u16();
    let raw = res.text().await.unwrap_or_default();
    let body = serde_json::from_str(&raw).unwrap_or(Value::String(raw.clone()));
    o2c_e2e::Answer { status, content_type: String::new(), body, raw, headers: vec![] }
}

/// The statement once every chunk is settled.
async fn reconciled(api: &Api, id: &str) -> Value {
    eventually_async(Duration::from_secs(90), || async {
        let a = api.get(&format!("/v1/bank-statements/{id}")).await;
        (a.status == 200 && a.body["status"] == "reconciled").then_some(a.body)
    })
    .await
    .unwrap_or_else(|| panic!("statement {id} was not reconciled in 90 s"))
}

/// Every entry listed under `status`, through all pages.
async fn listed(api: &Api, status: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/bank-entries?status={status}&limit=100&starting_after={c}"),
            None => format!("/v1/bank-entries?status={status}&limit=100"),
        };
        let page = get(api, &path).await;
        seen.extend(page["data"].as_array().unwrap().iter().map(id));
        cursor = seen.last().cloned();
        if page["has_more"] != true {
            return seen;
        }
    }
}

async fn get(api: &Api, path: &str) -> Value {
    let a = api.get(path).await;
    assert_eq!(a.status, 200, "{path}: {}", a.raw);
    a.body
}

fn number(invoice: &Value) -> String {
    invoice["number"].as_str().unwrap().to_owned()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_camt_statement_pays_the_invoices_its_remittance_names_and_the_same_file_again_changes_nothing() {
    let api = Api::new();
    let (c, name) = customer(&api, json!({"net_days": 14})).await;
    let first = invoice(&api, &c, "100.00").await;
    let second = invoice(&api, &c, "250.00").await;
    let rf = o2c_domain::matching::reference::creditor_reference(o2c_domain::invoice_number::InvoiceNumber::parse(&number(&second)).unwrap());
    let mut by_rf = entry("250.00", Direction::Credit, Some(&name), "", Some(&format!("R{}", word())));
    by_rf.creditor_references = vec![rf.clone()];
    let s = statement(
        Format::Camt053,
        &format!("STMT-{}", word()),
        vec![
            entry("100.00", Direction::Credit, Some(&name.to_uppercase()), &format!("Rechnung {}", number(&first).replace('-', " ")), Some(&format!("R{}", word()))),
            by_rf,
            entry("12.50", Direction::Debit, Some("Bank"), "Kontofuehrung", Some(&format!("R{}", word()))),
            entry("77.77", Direction::Credit, Some("Nobody We Know Ltd"), "thanks", Some(&format!("R{}", word()))),
        ],
    );
    let a = upload(&api, Format::Camt053, std::slice::from_ref(&s)).await;
    assert_eq!(a.status, 202, "{}", a.raw);
    assert_eq!(a.body["status"], "processing");
    let stmt = id(&a.body);
    assert!(stmt.starts_with("stmt_"));
    let done = reconciled(&api, &stmt).await;
    let entries = done["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    let statuses: Vec<&str> = entries.iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["matched", "matched", "ignored", "unmatched"], "{done:#}");
    assert_eq!(entries[0]["allocations"][0]["invoice"], first["id"]);
    assert_eq!(entries[0]["allocations"][0]["amount"], "100.00");
    assert_eq!(entries[0]["match"]["rule"], "invoice_number");
    assert!(entries[0]["match"]["confidence"].as_u64().unwrap() >= 85);
    assert!(entries[0]["match"]["explanation"].as_str().unwrap().contains(&number(&first)), "{}", entries[0]["match"]);
    assert_eq!(entries[1]["match"]["rule"], "rf_reference");
    assert_eq!(entries[1]["allocations"][0]["invoice"], second["id"]);
    for inv in [&first, &second] {
        let now = get(&api, &format!("/v1/invoices/{}", id(inv))).await;
        assert_eq!(now["status"], "paid", "{now:#}");
        let events = get(&api, &format!("/v1/invoices/{}/events", id(inv))).await;
        assert!(events["data"].as_array().unwrap().iter().any(|e| e["type"] == "payment.applied"), "{events:#}");
    }
    let payment = get(&api, &format!("/v1/payments/{}", entries[0]["payment"].as_str().unwrap())).await;
    assert_eq!((payment["method"].as_str(), payment["amount"].as_str()), (Some("bank_transfer"), Some("100.00")));

    let again = upload(&api, Format::Camt053, &[s]).await;
    assert_eq!(again.status, 200, "{}", again.raw);
    assert_eq!(again.body["id"], stmt.as_str());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = get(&api, &format!("/v1/bank-statements/{stmt}")).await;
    assert_eq!(after["entries"], done["entries"]);
    assert_eq!(get(&api, &format!("/v1/invoices/{}", id(&first))).await["amount_paid"], "100.00");
}

#[tokio::test]
async fn overlapping_statements_never_apply_an_entry_twice() {
    let api = Api::new();
    let (c, name) = customer(&api, json!({"net_days": 14})).await;
    let inv = invoice(&api, &c, "480.00").await;
    let shared_ref = format!("BANKREF{}", word().to_uppercase());
    let paying = entry("480.00", Direction::Credit, Some(&name), &number(&inv), Some(&shared_ref));
    let iban = account();
    let intraday = statement_of(&iban, Format::Mt940, &format!("INTRA{}", word()), vec![paying.clone()]);
    let day = statement_of(&iban, Format::Mt940, &format!("DAY{}", word()), vec![paying, entry("9.99", Direction::Credit, Some("Someone Else"), "misc", Some(&format!("X{}", word())))]);
    let a = upload(&api, Format::Mt940, &[intraday]).await;
    assert_eq!(a.status, 202, "{}", a.raw);
    let first = reconciled(&api, &id(&a.body)).await;
    assert_eq!(first["entries"][0]["status"], "matched");
    let b = upload(&api, Format::Mt940, &[day]).await;
    assert_eq!(b.status, 202, "{}", b.raw);
    let second = reconciled(&api, &id(&b.body)).await;
    let repeat = &second["entries"][0];
    assert_eq!(repeat["status"], "ignored", "{second:#}");
    assert_eq!(repeat["duplicate_of"], first["entries"][0]["id"]);
    assert_eq!(repeat["match"]["rule"], "duplicate");
    let now = get(&api, &format!("/v1/invoices/{}", id(&inv))).await;
    assert_eq!((now["amount_paid"].as_str(), now["status"].as_str()), (Some("480.00"), Some("paid")));
    let cust = get(&api, &format!("/v1/customers/{c}")).await;
    assert_eq!(cust["credit_balance"], "0.00", "nothing was applied twice: {cust:#}");
}

#[tokio::test]
async fn a_return_takes_back_the_cash_its_credit_applied_and_reopens_the_invoice() {
    let api = Api::new();
    let (c, name) = customer(&api, json!({"net_days": 14})).await;
    let inv = invoice(&api, &c, "320.00").await;
    let reference = format!("E2E{}", word().to_uppercase());
    let mut paid = entry("320.00", Direction::Credit, Some(&name), &number(&inv), Some(&format!("A{}", word())));
    paid.end_to_end_id = Some(reference.clone());
    let iban = account();
    let a = upload(&api, Format::Camt053, &[statement_of(&iban, Format::Camt053, &format!("S{}", word()), vec![paid])]).await;
    let credit = reconciled(&api, &id(&a.body)).await["entries"][0].clone();
    assert_eq!(credit["status"], "matched");
    assert_eq!(get(&api, &format!("/v1/invoices/{}", id(&inv))).await["status"], "paid");

    let mut returned = entry("320.00", Direction::Debit, Some(&name), "RETURN: account closed", Some(&format!("B{}", word())));
    returned.reversal = true;
    returned.end_to_end_id = Some(reference);
    let b = upload(&api, Format::Camt053, &[statement_of(&iban, Format::Camt053, &format!("S{}", word()), vec![returned])]).await;
    let back = reconciled(&api, &id(&b.body)).await["entries"][0].clone();
    assert_eq!(back["status"], "matched", "{back:#}");
    assert_eq!(back["match"]["rule"], "reversal");
    assert_eq!(back["reverses"], credit["id"]);
    let now = get(&api, &format!("/v1/invoices/{}", id(&inv))).await;
    assert_eq!((now["status"].as_str(), now["amount_due"].as_str()), (Some("open"), Some("320.00")), "{now:#}");
    let payment = get(&api, &format!("/v1/payments/{}", credit["payment"].as_str().unwrap())).await;
    assert_eq!(payment["status"], "returned", "{payment:#}");
    let original = get(&api, &format!("/v1/bank-statements/{}", id(&a.body))).await["entries"][0].clone();
    assert_eq!(original["reversed_by"], back["id"]);
    let events = get(&api, &format!("/v1/invoices/{}/events", id(&inv))).await;
    assert!(events["data"].as_array().unwrap().iter().any(|e| e["type"] == "invoice.payment_reversed"), "{events:#}");
}

#[tokio::test]
async fn a_processor_payout_is_matched_to_the_payout_and_touches_no_invoice() {
    let api = Api::new();
    let payout = entry("1234.56", Direction::Credit, Some("STRIPE PAYMENTS EUROPE LTD"), &format!("STRIPE PAYOUT po_1Q{}", word().to_uppercase()), Some(&format!("P{}", word())));
    let a = upload(&api, Format::Bai2, &[statement(Format::Bai2, &format!("B{}", word()), vec![payout])]).await;
    assert_eq!(a.status, 202, "{}", a.raw);
    let e = reconciled(&api, &id(&a.body)).await["entries"][0].clone();
    assert_eq!(e["status"], "matched", "{e:#}");
    assert_eq!(e["match"]["rule"], "processor_payout");
    assert_eq!(e["allocations"], json!([]));
    assert!(e["payment"].is_null());
    let day = today().to_string();
    let journal = get(&api, &format!("/v1/journal?from={day}&to={day}")).await;
    let lines: Vec<&Value> = journal["lines"].as_array().unwrap().iter().filter(|l| l["entry"].as_str().unwrap().contains(e["id"].as_str().unwrap())).collect();
    let accounts: Vec<(&str, &str, &str)> = lines.iter().map(|l| (l["account"].as_str().unwrap(), l["debit"].as_str().unwrap(), l["credit"].as_str().unwrap())).collect();
    assert_eq!(accounts, [("bank", "1234.56", "0.00"), ("clearing", "0.00", "1234.56")], "{journal:#}");
}

#[tokio::test]
async fn an_early_payment_inside_the_window_settles_the_invoice_with_the_discount_credited_and_journaled() {
    let api = Api::new();
    let (c, name) = customer(&api, json!({"net_days": 30, "discount_percent": "2", "discount_days": 10})).await;
    let inv = invoice(&api, &c, "1000.00").await;
    let a = upload(&api, Format::Csv, &[statement(Format::Csv, "ignored-by-csv", vec![entry("980.00", Direction::Credit, Some(&name), &format!("{} minus 2% skonto", number(&inv)), None)])]).await;
    assert_eq!(a.status, 202, "{}", a.raw);
    let e = reconciled(&api, &id(&a.body)).await["entries"][0].clone();
    assert_eq!(e["status"], "matched", "{e:#}");
    assert_eq!((e["allocations"][0]["amount"].as_str(), e["allocations"][0]["discount"].as_str()), (Some("980.00"), Some("20.00")));
    let now = get(&api, &format!("/v1/invoices/{}", id(&inv))).await;
    assert_eq!((now["status"].as_str(), now["amount_paid"].as_str(), now["amount_credited"].as_str()), (Some("paid"), Some("980.00"), Some("20.00")), "{now:#}");
    let day = today().to_string();
    let journal = get(&api, &format!("/v1/journal?from={day}&to={day}")).await;
    let payment = e["payment"].as_str().unwrap();
    let mine: Vec<(&str, &str, &str)> = journal["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["entry"].as_str().unwrap().starts_with(payment))
        .map(|l| (l["account"].as_str().unwrap(), l["debit"].as_str().unwrap(), l["credit"].as_str().unwrap()))
        .collect();
    assert_eq!(mine, [("bank", "980.00", "0.00"), ("discounts_allowed", "20.00", "0.00"), ("receivables", "0.00", "1000.00")], "{journal:#}");
}

#[tokio::test]
async fn exceptions_are_listed_then_confirmed_reassigned_or_ignored_and_each_decision_is_in_the_history() {
    let api = Api::new();
    let (c, _name) = customer(&api, json!({"net_days": 14})).await;
    let inv = invoice(&api, &c, "64.00").await;
    let other = invoice(&api, &c, "99.00").await;
    let s = statement(
        Format::Camt053,
        &format!("S{}", word()),
        vec![
            entry("64.00", Direction::Credit, Some("Unknown Payer AG"), "no reference at all", Some(&format!("C{}", word()))),
            entry("99.00", Direction::Credit, Some("Another Unknown SARL"), "for services", Some(&format!("C{}", word()))),
            entry("5.00", Direction::Credit, Some("Noise"), "refund of a deposit", Some(&format!("C{}", word()))),
        ],
    );
    let a = upload(&api, Format::Camt053, &[s]).await;
    let stmt = id(&a.body);
    let done = reconciled(&api, &stmt).await;
    let ids: Vec<String> = done["entries"].as_array().unwrap().iter().map(id).collect();
    // Nothing names an invoice or the customer: at best an amount that
    // other invoices share, so each waits for a person.
    for e in done["entries"].as_array().unwrap() {
        let status = e["status"].as_str().unwrap();
        assert!(status == "unmatched" || status == "suggested", "{e:#}");
        assert!(listed(&api, status).await.contains(&id(e)), "{} is listed under {status}", id(e));
    }

    let confirm = |entry: &str| format!("/v1/bank-statements/{stmt}/entries/{entry}/confirm");
    let confirmed = api.post(&confirm(&ids[0]), json!({"allocations": [{"invoice": id(&inv), "amount": "64.00"}]})).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.raw);
    assert_eq!(confirmed.body["status"], "matched");
    assert_eq!(confirmed.body["match"]["rule"], "confirmed");
    assert!(confirmed.body["timeline"].as_array().unwrap().iter().any(|h| h["type"] == "confirmed"));
    assert_eq!(get(&api, &format!("/v1/invoices/{}", id(&inv))).await["status"], "paid");
    let again = api.post(&confirm(&ids[0]), json!({"allocations": [{"invoice": id(&other), "amount": "64.00"}]})).await;
    assert_eq!((again.status, again.body["code"].as_str()), (409, Some("invalid_state_transition")), "{}", again.raw);

    let wrong = api.post(&confirm(&ids[1]), json!({"allocations": [{"invoice": id(&inv), "amount": "99.00"}]})).await;
    assert_eq!(wrong.status, 422, "the paid invoice no longer owes it: {}", wrong.raw);
    let reassigned = api.post(&confirm(&ids[1]), json!({"allocations": [{"invoice": id(&other), "amount": "99.00"}]})).await;
    assert_eq!(reassigned.status, 200, "{}", reassigned.raw);
    assert_eq!(reassigned.body["match"]["rule"], "confirmed");
    assert_eq!(reassigned.body["allocations"][0]["invoice"], other["id"]);
    let timeline = get(&api, &format!("/v1/invoices/{}/events", id(&other))).await;
    assert!(timeline["data"].as_array().unwrap().iter().any(|e| e["type"] == "payment.applied"));

    let ignored = api.post(&format!("/v1/bank-statements/{stmt}/entries/{}/ignore", ids[2]), json!({"reason": "a deposit refund, not a customer payment"})).await;
    assert_eq!(ignored.status, 200, "{}", ignored.raw);
    assert_eq!(ignored.body["status"], "ignored");
    assert!(ignored.body["timeline"].as_array().unwrap().iter().any(|h| h["type"] == "ignored" && h["summary"].as_str().unwrap().contains("deposit refund")));
    let (unmatched, suggested) = (listed(&api, "unmatched").await, listed(&api, "suggested").await);
    assert!(!ids.iter().any(|i| unmatched.contains(i) || suggested.contains(i)), "decided entries leave the lists");
}

#[tokio::test]
async fn a_malformed_file_is_refused_whole_naming_where_and_an_oversized_one_is_sent_to_uploads() {
    let api = Api::new();
    let bad = "01,BANK,CUST,261120,0800,1,,,2/\n02,CUST,BANK,1,261120,,EUR,2/\n03,123,EUR,010,100,,/\n16,195,abc,Z,REF,,/\n49,100,2/\n98,100,1,4/\n99,100,1,6/\n";
    let a = upload_bytes(&api, bad.as_bytes(), "text/plain; format=bai2").await;
    assert_eq!(a.status, 422, "{}", a.raw);
    let message = a.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("line 4"), "names the line: {}", a.raw);
    let big = vec![b'x'; 5 * 1024 * 1024 + 1];
    let b = upload_bytes(&api, &big, "text/csv").await;
    assert_eq!((b.status, b.body["code"].as_str()), (413, Some("payload_too_large")), "{}", b.raw);
    assert!(b.raw.contains("/v1/bank-statements/uploads"));
}

#[tokio::test]
async fn a_large_file_goes_up_through_a_presigned_url_and_is_processed_when_it_lands() {
    let api = Api::new();
    let (c, name) = customer(&api, json!({"net_days": 14})).await;
    let inv = invoice(&api, &c, "42.00").await;
    let mut entries = vec![entry("42.00", Direction::Credit, Some(&name), &number(&inv), Some(&format!("U{}", word())))];
    // Enough entries for two chunks: the statement fans out.
    for n in 0..2_100 {
        entries.push(entry("1.00", Direction::Debit, Some("Card terminal"), &format!("fee {n}"), Some(&format!("F{n}{}", word()))));
    }
    let bytes = o2c_bank::write::write(&[statement(Format::Camt053, &format!("BIG{}", word()), entries)], Format::Camt053);
    let u = api.post("/v1/bank-statements/uploads", json!({"format": "camt"})).await;
    assert_eq!(u.status, 201, "{}", u.raw);
    assert_eq!(u.body["method"], "PUT");
    let url = u.body["url"].as_str().unwrap();
    let put = reqwest::Client::new().put(url).body(bytes).send().await.expect("the bucket answers");
    assert!(put.status().is_success(), "{:?}", put.text().await);
    let upload_id = id(&u.body);
    let statements = eventually_async(Duration::from_secs(60), || async {
        let a = api.get(&format!("/v1/bank-statements/uploads/{upload_id}")).await;
        a.body["statements"].as_array().filter(|s| !s.is_empty()).cloned()
    })
    .await
    .expect("the upload names its statement once the file landed");
    let done = reconciled(&api, statements[0].as_str().unwrap()).await;
    assert_eq!(done["entry_count"], 2_101);
    assert_eq!(done["counts"]["matched"], 1);
    assert_eq!(get(&api, &format!("/v1/invoices/{}", id(&inv))).await["status"], "paid");
}

#[tokio::test]
async fn the_journal_balances_per_entry_in_json_and_csv_and_a_closed_period_is_never_rewritten() {
    let api = Api::new();
    let (c, name) = customer(&api, json!({"net_days": 14})).await;
    let inv = invoice(&api, &c, "210.00").await;
    // Booked in a month that is closed by the time the statement arrives.
    let mut late = entry("210.00", Direction::Credit, Some(&name), &number(&inv), Some(&format!("L{}", word())));
    late.booking_date = NaiveDate::from_ymd_opt(2026, 1, 15);
    late.value_date = late.booking_date;
    let close = api.post("/v1/journal/close", json!({"through": "2026-01-31"})).await;
    assert!(close.status == 200 || close.status == 409, "{}", close.raw);
    let a = upload(&api, Format::Camt053, &[statement(Format::Camt053, &format!("L{}", word()), vec![late])]).await;
    let e = reconciled(&api, &id(&a.body)).await["entries"][0].clone();
    assert_eq!(e["status"], "matched", "{e:#}");
    let january = get(&api, "/v1/journal?from=2026-01-01&to=2026-01-31").await;
    let payment = e["payment"].as_str().unwrap();
    assert!(!january["lines"].as_array().unwrap().iter().any(|l| l["entry"].as_str().unwrap().starts_with(payment)), "nothing posts into the closed month");
    let open = get(&api, &format!("/v1/journal?from=2026-02-01&to={}", today())).await;
    let mine: Vec<&Value> = open["lines"].as_array().unwrap().iter().filter(|l| l["entry"].as_str().unwrap().starts_with(payment)).collect();
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|l| l["memo"].as_str().unwrap().contains("dated 2026-01-15")), "{mine:#?}");
    let mut per_entry: std::collections::BTreeMap<String, Decimal> = Default::default();
    for l in open["lines"].as_array().unwrap() {
        let d: Decimal = l["debit"].as_str().unwrap().parse().unwrap();
        let c: Decimal = l["credit"].as_str().unwrap().parse().unwrap();
        *per_entry.entry(l["entry"].as_str().unwrap().to_owned()).or_default() += d - c;
    }
    assert!(per_entry.values().all(|v| v.is_zero()), "every entry balances to the cent");
    let csv = api.send("GET", &format!("/v1/journal?from=2026-02-01&to={}&format=csv", today()), None, Some(&api.key.clone())).await;
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
    assert!(csv.raw.starts_with("entry,posted_on,account,debit,credit,currency,customer,invoice,memo"));
    assert!(csv.raw.contains(payment));
    let reopen = api.post("/v1/journal/close", json!({"through": "2026-01-15"})).await;
    assert_eq!(reopen.status, 409, "a closed period is never reopened: {}", reopen.raw);
}

/// In process, against DynamoDB Local: the same entry settled by two
/// deliveries at once, and a chunk that stopped halfway delivered again.
#[tokio::test]
async fn an_entry_settled_twice_at_once_or_again_after_a_crash_is_applied_once() {
    use o2c_domain::actions::Context;
    use o2c_domain::clock::SystemClock;
    use o2c_domain::matching::{Ledger, MatchPolicy};
    use o2c_domain::ports::{LedgerSource, StatementStore};
    use o2c_domain::reconciliation::{settle_entry, Settled};

    let api = Api::new();
    let (c, name) = customer(&api, json!({"net_days": 14})).await;
    let inv = invoice(&api, &c, "77.00").await;
    let others: Vec<Value> = [invoice(&api, &c, "11.00").await, invoice(&api, &c, "22.00").await, invoice(&api, &c, "33.00").await].into();
    let aws = o2c_e2e::local_aws().await;
    let ddb = aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(o2c_e2e::dynamodb_endpoint()).build());
    let store = o2c_store::DynamoStore::new(ddb, o2c_e2e::table_name());
    let mut entries = vec![entry("77.00", Direction::Credit, Some(&name), &number(&inv), Some(&format!("R{}", word())))];
    for o in &others {
        entries.push(entry(o["amount_due"].as_str().unwrap(), Direction::Credit, Some(&name), &number(o), Some(&format!("R{}", word()))));
    }
    let s = statement(Format::Camt053, &format!("RACE{}", word()), entries);
    let bytes = o2c_bank::write::write(std::slice::from_ref(&s), Format::Camt053);
    let record = o2c_reconcile::file::statement_record(&s, 0, &bytes, "raw/in-process-test", None, Utc::now());
    let (record, new) = store.register_statement(&record).await.unwrap();
    assert!(new);
    let facts = o2c_reconcile::file::entry_facts(&s);
    let ledger = Ledger::new(store.open_items().await.unwrap(), store.payers().await.unwrap());
    let policy = MatchPolicy::default();
    let clock = SystemClock;
    let ctx = || Context::new(&clock, o2c_domain::customer::TimeZone::default(), None);
    let (a, b) = (ctx(), ctx());
    let (one, two) = tokio::join!(settle_entry(&store, &a, &record, &facts[0], &ledger, &policy), settle_entry(&store, &b, &record, &facts[0], &ledger, &policy));
    let mut outcomes = [one.unwrap(), two.unwrap()];
    outcomes.sort_by_key(|o| matches!(o, Settled::Before));
    assert_eq!(outcomes, [Settled::Now(o2c_domain::bank_entry::EntryStatus::Matched), Settled::Before]);
    let paid = get(&api, &format!("/v1/invoices/{}", id(&inv))).await;
    assert_eq!((paid["amount_paid"].as_str(), paid["status"].as_str()), (Some("77.00"), Some("paid")));

    // A delivery that settled two of the other three and then crashed...
    for f in &facts[1..3] {
        settle_entry(&store, &ctx(), &record, f, &ledger, &policy).await.unwrap();
    }
    // ...is delivered again, whole.
    let mut again = Vec::new();
    for f in &facts {
        again.push(settle_entry(&store, &ctx(), &record, f, &ledger, &policy).await.unwrap());
    }
    assert_eq!(again.iter().filter(|o| matches!(o, Settled::Before)).count(), 3);
    for o in &others {
        let now = get(&api, &format!("/v1/invoices/{}", id(o))).await;
        assert_eq!((now["status"].as_str(), now["amount_due"].as_str()), (Some("paid"), Some("0.00")), "{now:#}");
    }
    let payments = get(&api, &format!("/v1/payments?customer={c}&limit=100")).await;
    assert_eq!(payments["data"].as_array().unwrap().len(), 4, "one payment per entry: {payments:#}");
}

/// The seeded generator's labelled credits, written in every format and
/// sent through the real pipeline (API, queue, store, matcher, payment
/// engine): per format, the share of matchable entries applied
/// automatically, and the entries applied wrongly (to other invoices than
/// the label says, or decoys applied at all). Prints its figures:
/// `cargo test -p o2c-e2e --test e2e generator -- --nocapture`.
#[tokio::test]
async fn the_generator_s_statements_in_every_format_are_applied_automatically_and_never_wrongly() {
    use o2c_domain::matching::generator::{credits_for, world};
    use o2c_domain::ports::LedgerSource;

    let api = Api::new();
    let aws = o2c_e2e::local_aws().await;
    let ddb = aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(o2c_e2e::dynamodb_endpoint()).build());
    let store = o2c_store::DynamoStore::new(ddb, o2c_e2e::table_name());
    let run = capitalized(&word());
    let mut report = Vec::new();
    for (f, format) in [Format::Camt053, Format::Camt054, Format::Bai2, Format::Mt940, Format::Csv].into_iter().enumerate() {
        // A world of our own per format: 30 customers with 3 invoices each.
        let names: Vec<String> = world(1_000 + f as u64, 30, 0, 0).payers.into_iter().map(|p| format!("{run} {}", p.name)).collect();
        let mut customers = Vec::new();
        for (n, name) in names.iter().enumerate() {
            let terms = if n % 3 == 0 { json!({"net_days": 30, "discount_percent": "2", "discount_days": 10}) } else { json!({"net_days": 30}) };
            let a = api.post("/v1/customers", json!({"name": name, "email": "ap@example.com", "currency": "EUR", "payment_terms": terms})).await;
            assert_eq!(a.status, 201, "{}", a.raw);
            let c = id(&a.body);
            never_reminded(&api, &c).await;
            for k in 0..3u64 {
                let cents = 5_000 + (n as u64 * 7_919 + k * 104_729 + f as u64 * 13) % 2_000_000;
                invoice(&api, &c, &format!("{}.{:02}", cents / 100, cents % 100)).await;
            }
            customers.push((o2c_domain::ids::CustomerId::parse(&c).unwrap(), name.clone()));
        }
        let ours: std::collections::HashSet<_> = customers.iter().map(|c| c.0).collect();
        let items: Vec<_> = store.open_items().await.unwrap().into_iter().filter(|i| ours.contains(&i.customer)).collect();
        assert_eq!(items.len(), 90);
        let payers: Vec<_> = customers.iter().map(|(c, n)| o2c_domain::matching::Payer { customer: *c, name: n.clone() }).collect();
        // One credit per invoice at most: a second credit for a paid invoice
        // is a different question (it is kept for a person).
        let mut taken = std::collections::HashSet::new();
        let credits: Vec<_> = credits_for(77 + f as u64, &items, &payers, today() - chrono::Duration::days(20), 110)
            .into_iter()
            .filter(|l| l.pays.iter().all(|i| taken.insert(*i)))
            .collect();
        let entries: Vec<Entry> = credits
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut e = entry(&l.credit.amount.to_string(), Direction::Credit, l.credit.counterparty.as_deref(), &l.credit.remittance, Some(&format!("GEN{f}X{i}{}", word().to_uppercase())));
                e.creditor_references = l.credit.references.clone();
                e
            })
            .collect();
        let a = upload(&api, format, &[statement(format, &format!("GEN{}", word()), entries)]).await;
        assert_eq!(a.status, 202, "{format:?}: {}", a.raw);
        let mut settled = Vec::new();
        for s in a.body["statements"].as_array().unwrap() {
            settled.extend(reconciled(&api, s.as_str().unwrap()).await["entries"].as_array().unwrap().clone());
        }
        assert_eq!(settled.len(), credits.len(), "{format:?}: every credit is an entry");
        let (mut matchable, mut applied, mut wrong) = (0, 0, Vec::new());
        for (i, (label, e)) in credits.iter().zip(&settled).enumerate() {
            let invoices: std::collections::BTreeSet<String> = e["allocations"].as_array().unwrap().iter().map(|a| a["invoice"].as_str().unwrap().to_owned()).collect();
            let expected: std::collections::BTreeSet<String> = label.pays.iter().map(|i| i.to_string()).collect();
            let matched = e["status"] == "matched";
            if !label.case.is_decoy() {
                matchable += 1;
            }
            match (matched, label.case.is_decoy()) {
                (true, true) => wrong.push(format!("entry {i} ({:?}) applied: {e}", label.case)),
                (true, false) if invoices != expected => wrong.push(format!("entry {i} ({:?}) applied to {invoices:?}, label {expected:?}: {}", label.case, e["match"])),
                (true, false) => applied += 1,
                _ => {}
            }
        }
        let rate = applied as f64 / matchable.max(1) as f64;
        report.push(format!("{format:?}: {applied}/{matchable} matchable applied automatically ({:.1} %), {} wrong, {} decoys", rate * 100.0, wrong.len(), credits.len() - matchable));
        assert!(wrong.is_empty(), "{format:?}: {wrong:#?}");
        assert!(rate >= 0.9, "{format:?}: only {:.1} % applied", rate * 100.0);
    }
    println!("{}", report.join("\n"));
}

#[tokio::test]
async fn a_returned_early_payment_loses_its_discount_and_the_invoice_owes_the_whole_total_again() {
    let api = Api::new();
    let (c, name) = customer(&api, json!({"net_days": 30, "discount_percent": "2", "discount_days": 10})).await;
    let inv = invoice(&api, &c, "500.00").await;
    let iban = account();
    let mut paid = entry("490.00", Direction::Credit, Some(&name), &number(&inv), Some(&format!("D{}", word())));
    paid.end_to_end_id = Some(format!("E2E{}", word().to_uppercase()));
    let a = upload(&api, Format::Camt053, &[statement_of(&iban, Format::Camt053, &format!("S{}", word()), vec![paid.clone()])]).await;
    let credit = reconciled(&api, &id(&a.body)).await["entries"][0].clone();
    assert_eq!(credit["allocations"][0]["discount"], "10.00", "{credit:#}");
    let mut back = entry("490.00", Direction::Debit, Some(&name), "RETURN", Some(&format!("D{}", word())));
    back.reversal = true;
    back.end_to_end_id = paid.end_to_end_id.clone();
    let b = upload(&api, Format::Camt053, &[statement_of(&iban, Format::Camt053, &format!("S{}", word()), vec![back])]).await;
    assert_eq!(reconciled(&api, &id(&b.body)).await["entries"][0]["status"], "matched");
    let now = get(&api, &format!("/v1/invoices/{}", id(&inv))).await;
    assert_eq!((now["status"].as_str(), now["amount_due"].as_str(), now["amount_credited"].as_str()), (Some("open"), Some("500.00"), Some("0.00")), "{now:#}");
    let day = today().to_string();
    let journal = get(&api, &format!("/v1/journal?from={day}&to={day}")).await;
    let payment = credit["payment"].as_str().unwrap();
    let net = |account: &str| -> Decimal {
        journal["lines"].as_array().unwrap().iter().filter(|l| l["entry"].as_str().unwrap().starts_with(payment) && l["account"] == account).map(|l| l["debit"].as_str().unwrap().parse::<Decimal>().unwrap() - l["credit"].as_str().unwrap().parse::<Decimal>().unwrap()).sum()
    };
    assert_eq!((net("bank"), net("discounts_allowed"), net("receivables")), (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO), "everything the payment posted is undone: {journal:#}");
}

#[tokio::test]
async fn a_return_nobody_can_place_waits_for_a_person_and_cannot_be_confirmed_as_a_payment() {
    let api = Api::new();
    let (c, name) = customer(&api, json!({"net_days": 14})).await;
    let inv = invoice(&api, &c, "61.00").await;
    let mut back = entry("61.00", Direction::Debit, Some(&name), "RETURN unknown", Some(&format!("Q{}", word())));
    back.reversal = true;
    let a = upload(&api, Format::Camt053, &[statement(Format::Camt053, &format!("S{}", word()), vec![back])]).await;
    let stmt = id(&a.body);
    let e = reconciled(&api, &stmt).await["entries"][0].clone();
    assert_eq!((e["status"].as_str(), e["kind"].as_str()), (Some("unmatched"), Some("reversal")), "{e:#}");
    let confirm = api.post(&format!("/v1/bank-statements/{stmt}/entries/{}/confirm", id(&e)), json!({"allocations": [{"invoice": id(&inv), "amount": "61.00"}]})).await;
    assert_eq!(confirm.status, 422, "money out never pays an invoice: {}", confirm.raw);
    assert_eq!(get(&api, &format!("/v1/invoices/{}", id(&inv))).await["status"], "open");
}

/// Invoices written before the open-items index existed are filed by the
/// backfill (`o2c-admin backfill open-items`), and then matched.
#[tokio::test]
async fn the_backfill_files_open_invoices_the_index_has_never_seen() {
    use o2c_domain::ports::LedgerSource;

    let api = Api::new();
    let (c, _) = customer(&api, json!({"net_days": 14})).await;
    let inv = invoice(&api, &c, "37.00").await;
    let aws = o2c_e2e::local_aws().await;
    let ddb = aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(o2c_e2e::dynamodb_endpoint()).build());
    // As an invoice written before this index: no open-items attributes.
    ddb.update_item()
        .table_name(o2c_e2e::table_name())
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("INV#{}", id(&inv))))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("INVOICE".into()))
        .update_expression("REMOVE gsi5pk, gsi5sk, open_item")
        .send()
        .await
        .expect("strip the index attributes");
    let store = o2c_store::DynamoStore::new(ddb, o2c_e2e::table_name());
    let listed = |items: Vec<o2c_domain::matching::OpenItem>| items.iter().any(|i| i.invoice.to_string() == id(&inv));
    assert!(!listed(store.open_items().await.unwrap()));
    assert!(store.backfill_open_items().await.unwrap() >= 1);
    assert!(listed(store.open_items().await.unwrap()), "filed again");
    assert_eq!(get(&api, &format!("/v1/invoices/{}", id(&inv))).await["status"], "open", "the invoice itself is unchanged");
}

/// Two people confirming the same exception at once: one payment.
#[tokio::test]
async fn two_confirmations_racing_for_one_entry_apply_its_money_once() {
    use o2c_domain::actions::{ActionError, Context};
    use o2c_domain::clock::SystemClock;
    use o2c_domain::reconciliation::{confirm_entry, Confirmation};

    let api = Api::new();
    let (c, _) = customer(&api, json!({"net_days": 14})).await;
    let inv = invoice(&api, &c, "300.00").await;
    let a = upload(&api, Format::Camt053, &[statement(Format::Camt053, &format!("S{}", word()), vec![entry("150.00", Direction::Credit, Some("Nobody Known Ltd"), "half", Some(&format!("H{}", word())))])]).await;
    let stmt = id(&a.body);
    let e = reconciled(&api, &stmt).await["entries"][0].clone();
    let (statement, seq) = o2c_domain::bank_entry::parse_entry_id(&id(&e)).unwrap();
    let aws = o2c_e2e::local_aws().await;
    let ddb = aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(o2c_e2e::dynamodb_endpoint()).build());
    let store = o2c_store::DynamoStore::new(ddb, o2c_e2e::table_name());
    let clock = SystemClock;
    let ctx = || Context::new(&clock, o2c_domain::customer::TimeZone::default(), None);
    let money = o2c_domain::money::Money::parse("150.00", o2c_domain::money::Currency::parse("EUR").unwrap()).unwrap();
    let decision = |by: &str| Confirmation { allocations: Some(vec![(o2c_domain::ids::InvoiceId::parse(&id(&inv)).unwrap(), money)]), customer: None, by: by.into() };
    let (one, two) = (decision("first"), decision("second"));
    let (ctx1, ctx2) = (ctx(), ctx());
    let (r1, r2) = tokio::join!(confirm_entry(&store, &ctx1, statement, seq, &one), confirm_entry(&store, &ctx2, statement, seq, &two));
    let wins = [&r1, &r2].iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "{r1:?} / {r2:?}");
    assert!([r1, r2].into_iter().any(|r| matches!(r, Err(ActionError::EntrySettled("matched")))));
    let now = get(&api, &format!("/v1/invoices/{}", id(&inv))).await;
    assert_eq!((now["amount_paid"].as_str(), now["amount_due"].as_str()), (Some("150.00"), Some("150.00")), "{now:#}");
    let payments = get(&api, &format!("/v1/payments?customer={c}&limit=100")).await;
    assert_eq!(payments["data"].as_array().unwrap().len(), 1, "{payments:#}");
}

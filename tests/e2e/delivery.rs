//! Finalizing emails the invoice: once, to the customer and cc, with the
//! PDF; redeliveries send nothing more; a message that cannot be handled
//! is retried and then dead-lettered, never lost.

use std::time::Duration;

use mail_parser::MimeHeaders;
use o2c_e2e::{local_aws, Api};
use serde_json::{json, Value};

/// What moto's SES has "sent", as raw messages.
async fn sent_messages() -> Vec<Value> {
    let data: Value = reqwest::get(format!("{}/moto-api/data.json", o2c_e2e::moto_endpoint())).await.expect("moto api").json().await.expect("json");
    data["ses"]["RawMessage"].as_array().cloned().unwrap_or_default()
}

async fn timeline(api: &Api, invoice: &str) -> Vec<Value> {
    api.get(&format!("/v1/invoices/{invoice}/events")).await.body["data"].as_array().cloned().unwrap_or_default()
}

async fn wait_for_email(api: &Api, invoice: &str) -> Value {
    for _ in 0..200 {
        if let Some(item) = timeline(api, invoice).await.into_iter().find(|i| i["type"] == "invoice.email_sent") {
            return item;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no email_sent in the timeline of {invoice}");
}

async fn drain(api: &Api) {
    let now = chrono::Utc::now().to_rfc3339();
    let a = api.send("POST", "/_local/time-travel", Some(&json!({"to": now}).to_string()), None).await;
    assert_eq!(a.status, 200);
}

async fn queue_url(sqs: &aws_sdk_sqs::Client, name: &str) -> String {
    sqs.get_queue_url().queue_name(format!("o2c-local-{name}")).send().await.expect("queue").queue_url().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn finalizing_emails_the_invoice_once_to_the_customer_and_cc_with_its_pdf() {
    let api = Api::new();
    let c = api
        .post("/v1/customers", json!({"name": "<script>alert(1)</script> GmbH", "email": "ap@buyer.example", "cc": ["cfo@buyer.example"], "currency": "EUR", "locale": "de"}))
        .await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    let customer = c.body["id"].as_str().expect("id");
    let inv = api
        .post("/v1/invoices", json!({"customer": customer, "finalize": true, "lines": [{"description": "Beratung & Umsetzung", "quantity": "10", "unit_amount": "123.45", "tax_rate": "19"}]}))
        .await;
    assert_eq!(inv.status, 201, "{:?}", inv.body);
    let id = inv.body["id"].as_str().expect("id").to_owned();
    let number = inv.body["number"].as_str().expect("number").to_owned();

    let sent = wait_for_email(&api, &id).await;
    let message_id = sent["data"]["ses_message_id"].as_str().expect("SES message id in the timeline").to_owned();
    let messages = sent_messages().await;
    let mine: Vec<&Value> = messages.iter().filter(|m| m["raw_data"].as_str().is_some_and(|r| r.contains(&number) && !r.contains("Message-ID: <rem_"))).collect();
    assert_eq!(mine.len(), 1, "exactly one email for {number}");
    let m = mine[0];
    assert_eq!(m["id"], message_id.as_str());
    let to: Vec<&str> = m["destinations"].as_array().expect("destinations").iter().filter_map(Value::as_str).collect();
    assert!(to.contains(&"ap@buyer.example") && to.contains(&"cfo@buyer.example"), "{to:?}");

    let raw = m["raw_data"].as_str().expect("raw");
    let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes()).expect("MIME parses");
    assert!(parsed.subject().is_some_and(|s| s.contains(&number)), "{:?}", parsed.subject());
    let html = parsed.body_html(0).expect("an HTML part");
    assert!(!html.contains("<script>alert(1)</script>"), "the customer's name is escaped");
    assert!(html.contains("&lt;script&gt;") || html.contains("&#60;script"), "the name is shown escaped");
    let pdf = parsed.attachments().find(|a| a.is_content_type("application", "pdf")).expect("a PDF attachment");
    let text = pdf_extract::extract_text_from_mem(pdf.contents()).expect("PDF text");
    assert!(text.contains(&number), "the PDF names {number}");
    assert!(text.contains("1.469,06"), "the PDF shows the total in German format: {text}");
}

#[tokio::test]
async fn a_redelivered_request_sends_nothing_more() {
    let api = Api::new();
    let customer = api.create_customer("EUR").await;
    let inv = api.post("/v1/invoices", json!({"customer": customer, "finalize": true, "lines": [{"description": "x", "quantity": "1", "unit_amount": "5"}]})).await;
    let id = inv.body["id"].as_str().expect("id").to_owned();
    let number = inv.body["number"].as_str().expect("number").to_owned();
    wait_for_email(&api, &id).await;

    // Deliver the same request twice more, as SQS may.
    let finalized = timeline(&api, &id).await.into_iter().find(|i| i["type"] == "invoice.finalized").expect("finalized");
    let envelope = json!({
        "id": finalized["id"], "type": "invoice.finalized", "occurred_at": finalized["at"],
        "aggregate": {"kind": "invoice", "id": id}, "aggregate_version": 1, "payload": finalized["data"],
    });
    let sqs = aws_sdk_sqs::Client::new(&local_aws().await);
    let url = queue_url(&sqs, "DeliveryQueue").await;
    for _ in 0..2 {
        sqs.send_message().queue_url(&url).message_body(envelope.to_string()).send().await.expect("sent");
    }
    drain(&api).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let count = sent_messages().await.iter().filter(|m| m["raw_data"].as_str().is_some_and(|r| r.contains(&number))).count();
    assert_eq!(count, 1, "one email however often the request arrives");
    let sends = timeline(&api, &id).await.into_iter().filter(|i| i["type"] == "invoice.email_sent").count();
    assert_eq!(sends, 1);
}

#[tokio::test]
async fn a_message_that_cannot_be_handled_is_retried_then_dead_lettered() {
    let api = Api::new();
    let sqs = aws_sdk_sqs::Client::new(&local_aws().await);
    let url = queue_url(&sqs, "DeliveryQueue").await;
    let dlq = queue_url(&sqs, "DeliveryDLQ").await;
    let marker = format!("poison-{}", ulid::Ulid::new());
    sqs.send_message().queue_url(&url).message_body(json!({"not": "an event", "marker": marker}).to_string()).send().await.expect("sent");
    let found = o2c_e2e::wait_for_message(&sqs, &dlq, Duration::from_secs(40), |b| b["marker"] == marker.as_str()).await;
    let _ = api;
    assert!(found.is_some(), "after the queue's receive limit the message is in the DLQ, not lost");
}

#[tokio::test]
async fn send_emails_a_finalized_invoice_again_and_refuses_a_draft() {
    let api = Api::new();
    let customer = api.create_customer("USD").await;
    let draft = api.post("/v1/invoices", json!({"customer": customer, "lines": [{"description": "x", "quantity": "2", "unit_amount": "7.50"}]})).await;
    let id = draft.body["id"].as_str().expect("id").to_owned();
    let refused = api.post(&format!("/v1/invoices/{id}/send"), json!({})).await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.body["code"], "invalid_state_transition");
    assert_eq!(api.post(&format!("/v1/invoices/{id}/finalize"), json!({})).await.status, 200);
    wait_for_email(&api, &id).await;
    let again = api.post(&format!("/v1/invoices/{id}/send"), json!({})).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(again.body["status"], "open");
    for _ in 0..200 {
        if timeline(&api, &id).await.iter().filter(|i| i["type"] == "invoice.email_sent").count() == 2 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the second email was not sent");
}

/// An SES "Email Bounced" event as EventBridge delivers it from a
/// configuration set (shape per the SES event-publishing documentation).
fn ses_event(detail_type: &str, detail: Value) -> aws_sdk_eventbridge::types::PutEventsRequestEntry {
    aws_sdk_eventbridge::types::PutEventsRequestEntry::builder().source("aws.ses").detail_type(detail_type).event_bus_name("default").detail(detail.to_string()).build()
}

#[tokio::test]
async fn a_bounced_address_is_shown_on_the_customer_and_later_sends_are_skipped_and_recorded() {
    let api = Api::new();
    let address = format!("gone-{}@buyer.example", ulid::Ulid::new().to_string().to_lowercase());
    let c = api.post("/v1/customers", json!({"name": "Gone Ltd", "email": address, "cc": ["keep@buyer.example"], "currency": "GBP"})).await;
    let customer = c.body["id"].as_str().expect("id").to_owned();
    assert_eq!(c.body["email_status"], "ok");

    let events = aws_sdk_eventbridge::Client::new(&local_aws().await);
    let bounce = json!({
        "eventType": "Bounce",
        "bounce": {"bounceType": "Permanent", "bounceSubType": "General", "bouncedRecipients": [{"emailAddress": address, "action": "failed", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 user unknown"}], "timestamp": "2026-11-23T00:41:02.669Z", "feedbackId": "0100015-example", "reportingMTA": "dsn; mta.example.com"},
        "mail": {"timestamp": "2026-11-23T00:40:02.012Z", "source": "billing@example.com", "messageId": "0100015-mail-example", "destination": [address]}
    });
    let out = events.put_events().entries(ses_event("Email Bounced", bounce)).send().await.expect("put");
    assert_eq!(out.failed_entry_count(), 0);
    let mut status = Value::Null;
    for _ in 0..100 {
        status = api.get(&format!("/v1/customers/{customer}")).await.body["email_status"].clone();
        if status == "bounced" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "bounced", "the bounce is visible on the customer");

    let inv = api.post("/v1/invoices", json!({"customer": customer, "finalize": true, "lines": [{"description": "x", "quantity": "1", "unit_amount": "3"}]})).await;
    let id = inv.body["id"].as_str().expect("id").to_owned();
    let sent = wait_for_email(&api, &id).await;
    let recipients: Vec<&str> = sent["data"]["recipients"].as_array().expect("recipients").iter().filter_map(Value::as_str).collect();
    assert_eq!(recipients, vec!["keep@buyer.example"], "the cc still gets it");
    assert_eq!(sent["data"]["skipped"][0]["address"], address.as_str());
    assert_eq!(sent["data"]["skipped"][0]["status"], "bounced");

    // With no deliverable address left, the send is skipped and recorded.
    let lone = api.post("/v1/customers", json!({"name": "Gone Too", "email": address, "currency": "GBP"})).await;
    let inv = api.post("/v1/invoices", json!({"customer": lone.body["id"], "finalize": true, "lines": [{"description": "x", "quantity": "1", "unit_amount": "3"}]})).await;
    let id = inv.body["id"].as_str().expect("id").to_owned();
    let number = inv.body["number"].as_str().expect("number").to_owned();
    let mut skipped = false;
    for _ in 0..200 {
        if timeline(&api, &id).await.iter().any(|i| i["type"] == "invoice.email_skipped") {
            skipped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(skipped, "the skip is in the timeline");
    assert!(!sent_messages().await.iter().any(|m| m["raw_data"].as_str().is_some_and(|r| r.contains(&number))), "nothing was sent");
}

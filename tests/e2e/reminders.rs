//! Dunning reminders end to end, driven by `/_local/time-travel`: the
//! local front fires the daily sweep rule and the one-time Scheduler
//! schedules the reminders function makes, in time order, as AWS would.
//! The schedule clock is shared by the whole stack, so these tests hold
//! [`o2c_e2e::SCHEDULE_CLOCK`] and date everything from `/_local/time`.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone as _, Utc, Weekday};
use o2c_e2e::Api;
use serde_json::{json, Value};

async fn clock(api: &Api) -> DateTime<Utc> {
    let now = api.get("/_local/time").await.body["now"].as_str().expect("now").to_owned();
    DateTime::parse_from_rfc3339(&now).expect("rfc3339").with_timezone(&Utc)
}

async fn travel(api: &Api, to: DateTime<Utc>) -> Value {
    let a = api.send("POST", "/_local/time-travel", Some(&json!({"to": to.to_rfc3339()}).to_string()), Some(&api.key.clone())).await;
    assert_eq!(a.status, 200, "{}", a.raw);
    assert_eq!(a.body["drained"], true, "the work the fires queued drained: {}", a.raw);
    a.body
}

/// The first `weekday` at least `days` after `from`.
fn next_weekday(from: DateTime<Utc>, days: i64, weekday: Weekday) -> NaiveDate {
    let mut d = from.date_naive() + chrono::Duration::days(days);
    while d.weekday() != weekday {
        d += chrono::Duration::days(1);
    }
    d
}

async fn customer(api: &Api, name: &str, email: &str, time_zone: &str) -> String {
    let a = api.post("/v1/customers", json!({"name": name, "email": email, "currency": "EUR", "time_zone": time_zone})).await;
    assert_eq!(a.status, 201, "{}", a.raw);
    a.body["id"].as_str().expect("id").to_owned()
}

async fn invoice(api: &Api, customer: &str, due: NaiveDate, amount: &str) -> (String, String) {
    let a = api.post("/v1/invoices", json!({"customer": customer, "finalize": true, "due_date": due, "lines": [{"description": "Services", "quantity": "1", "unit_amount": amount, "tax_rate": "0"}]})).await;
    assert_eq!(a.status, 201, "{}", a.raw);
    (a.body["id"].as_str().expect("id").to_owned(), a.body["number"].as_str().expect("number").to_owned())
}

async fn timeline(api: &Api, invoice: &str) -> Vec<Value> {
    let a = api.get(&format!("/v1/invoices/{invoice}/events?limit=100")).await;
    assert_eq!(a.status, 200, "{}", a.raw);
    a.body["data"].as_array().cloned().unwrap_or_default()
}

/// `(offset_days, reminder id, send_on)` of every reminder issued for it.
async fn issued(api: &Api, invoice: &str) -> Vec<(i64, String, String)> {
    timeline(api, invoice)
        .await
        .iter()
        .filter(|i| i["type"] == "invoice.reminder_issued")
        .map(|i| (i["data"]["offset_days"].as_i64().unwrap_or(i64::MIN), i["data"]["reminder"].as_str().unwrap_or("").to_owned(), i["data"]["send_on"].as_str().unwrap_or("").to_owned()))
        .collect()
}

async fn sent_messages() -> Vec<Value> {
    let data: Value = reqwest::get(format!("{}/moto-api/data.json", o2c_e2e::moto_endpoint())).await.expect("moto api").json().await.expect("json");
    data["ses"]["RawMessage"].as_array().cloned().unwrap_or_default()
}

/// Reminder emails (Message-ID `<rem_…`) that went to `address`, subject lines.
async fn reminder_subjects(address: &str) -> Vec<String> {
    sent_messages()
        .await
        .iter()
        .filter_map(|m| m["raw_data"].as_str())
        .filter(|raw| raw.contains("Message-ID: <rem_") && raw.contains(address))
        .filter_map(|raw| mail_parser::MessageParser::default().parse(raw.as_bytes()).and_then(|p| p.subject().map(str::to_owned)))
        .collect()
}

#[tokio::test]
async fn each_step_goes_out_once_and_paid_void_disputed_and_promised_invoices_get_nothing() {
    let _clock = o2c_e2e::SCHEDULE_CLOCK.lock().await;
    let api = Api::new();
    let start = clock(&api).await;
    let due = next_weekday(start, 10, Weekday::Thu);
    let email = format!("ap+{}@steps.example", ulid::Ulid::new().to_string().to_lowercase());
    let c = customer(&api, "Steps GmbH", &email, "UTC").await;
    let (one, one_number) = invoice(&api, &c, due, "100").await;
    let (two, two_number) = invoice(&api, &c, due, "50").await;
    let (paid, _) = invoice(&api, &c, due, "10").await;
    let (void, _) = invoice(&api, &c, due, "11").await;
    let (disputed, _) = invoice(&api, &c, due, "12").await;
    let (promised, _) = invoice(&api, &c, due, "13").await;
    let a = api.post("/v1/payments", json!({"customer": c, "amount": "10.00", "currency": "EUR", "allocations": [{"invoice": paid, "amount": "10.00"}]})).await;
    assert_eq!(a.status, 201, "{}", a.raw);
    assert_eq!(api.post(&format!("/v1/invoices/{void}/void"), json!({})).await.status, 200);
    assert_eq!(api.post(&format!("/v1/invoices/{disputed}/dispute"), json!({"reason": "Not delivered"})).await.status, 200);
    let promise_until = due + chrono::Duration::days(10);
    let a = api.post(&format!("/v1/invoices/{promised}/promise"), json!({"date": promise_until})).await;
    assert_eq!(a.status, 200, "{}", a.raw);

    // Past the last step (+30, moved to a business day).
    travel(&api, Utc.from_utc_datetime(&(due + chrono::Duration::days(34)).and_hms_opt(12, 0, 0).expect("noon"))).await;

    let steps_of = |v: &[(i64, String, String)]| v.iter().map(|(o, _, _)| *o).collect::<Vec<_>>();
    let first = issued(&api, &one).await;
    assert_eq!(steps_of(&first), vec![-3, 1, 7, 14, 30], "each default step once: {first:?}");
    let second = issued(&api, &two).await;
    assert_eq!(steps_of(&second), vec![-3, 1, 7, 14, 30]);
    // Same reminder per step: one email named both.
    let ids_one: Vec<&String> = first.iter().map(|(_, id, _)| id).collect();
    let ids_two: Vec<&String> = second.iter().map(|(_, id, _)| id).collect();
    assert_eq!(ids_one, ids_two, "both invoices went out in the same reminders");
    for (what, id) in [("paid", &paid), ("void", &void), ("disputed", &disputed)] {
        assert!(issued(&api, id).await.is_empty(), "a {what} invoice is never reminded");
    }
    let after_promise = issued(&api, &promised).await;
    assert!(after_promise.iter().all(|(_, _, on)| on.as_str() > promise_until.to_string().as_str()), "nothing while the promise stood: {after_promise:?}");
    assert_eq!(steps_of(&after_promise), vec![7, 14, 30], "the promise broken, the latest overdue step resumes, then the rest");
    assert!(timeline(&api, &promised).await.iter().any(|i| i["type"] == "invoice.promise_broken"));

    // Every reminder became exactly one email naming both invoices (the
    // promised one joined them once its promise was broken).
    let naming_one = |all: Vec<String>| all.into_iter().filter(|s| s.contains(&one_number)).collect::<Vec<_>>();
    let subjects = o2c_e2e::eventually_async(Duration::from_secs(20), || async {
        let s = naming_one(reminder_subjects(&email).await);
        (s.len() >= 5).then_some(s)
    })
    .await
    .expect("five reminder emails");
    assert_eq!(subjects.len(), 5, "{subjects:?}");
    for s in &subjects {
        assert!(s.contains(&two_number), "{s}");
    }
    assert!(subjects[0].starts_with("Upcoming payment") && subjects[4].starts_with("Final notice"), "the step's template: {subjects:?}");
    let sent = timeline(&api, &one).await.iter().filter(|i| i["type"] == "invoice.reminder_sent").count();
    assert_eq!(sent, 5);

    // The same fire delivered again (a Scheduler retry) sends nothing more.
    let aws = o2c_e2e::local_aws().await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let queue = sqs.get_queue_url().queue_name(o2c_e2e::reminder_queue_name()).send().await.expect("reminder queue").queue_url().unwrap_or_default().to_owned();
    let plus_one = timeline(&api, &one).await.into_iter().find(|i| i["type"] == "invoice.reminder_issued" && i["data"]["offset_days"] == 1).expect("+1");
    let fired_at = plus_one["at"].as_str().expect("at").to_owned();
    for _ in 0..2 {
        let body = json!({"kind": "reminder_fire", "send_at": fired_at}).to_string();
        sqs.send_message().queue_url(&queue).message_body(body).send().await.expect("send");
    }
    let now = clock(&api).await;
    travel(&api, now + chrono::Duration::seconds(1)).await;
    assert_eq!(steps_of(&issued(&api, &one).await), vec![-3, 1, 7, 14, 30], "a duplicate fire sends nothing");
    assert_eq!(naming_one(reminder_subjects(&email).await).len(), 5);
}

#[tokio::test]
async fn a_saturday_step_goes_out_on_monday_at_nine_in_the_customers_time_zone() {
    let _clock = o2c_e2e::SCHEDULE_CLOCK.lock().await;
    let api = Api::new();
    let start = clock(&api).await;
    let email = format!("ap+{}@pacific.example", ulid::Ulid::new().to_string().to_lowercase());
    let c = customer(&api, "Pacific Inc", &email, "America/Los_Angeles").await;
    let a = api.send("PUT", &format!("/v1/customers/{c}/dunning-policy"), Some(&json!({"steps": [{"offset_days": 2, "template": "reminder"}]}).to_string()), Some(&api.key.clone())).await;
    assert_eq!(a.status, 200, "{}", a.raw);
    let due = next_weekday(start, 5, Weekday::Thu);
    let (id, number) = invoice(&api, &c, due, "70").await;
    let saturday = due + chrono::Duration::days(2);
    let monday = due + chrono::Duration::days(4);
    let la = |d: NaiveDate, h: u32| chrono_tz::America::Los_Angeles.from_local_datetime(&d.and_hms_opt(h, 0, 0).expect("time")).single().expect("one instant").with_timezone(&Utc);

    travel(&api, la(saturday, 23)).await;
    assert!(issued(&api, &id).await.is_empty(), "not on Saturday");
    travel(&api, la(monday, 8)).await;
    assert!(issued(&api, &id).await.is_empty(), "not before 09:00 on Monday");
    travel(&api, la(monday, 10)).await;
    let steps = issued(&api, &id).await;
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0].2, monday.to_string(), "sent on Monday, customer time");
    let item = timeline(&api, &id).await.into_iter().find(|i| i["type"] == "invoice.reminder_issued").expect("issued");
    assert_eq!(item["at"].as_str().map(|s| DateTime::parse_from_rfc3339(s).expect("rfc3339").with_timezone(&Utc)), Some(la(monday, 9)), "at 09:00 Los Angeles time");
    let subjects = o2c_e2e::eventually_async(Duration::from_secs(20), || async {
        let s = reminder_subjects(&email).await;
        (!s.is_empty()).then_some(s)
    })
    .await
    .expect("the reminder email");
    assert!(subjects[0].contains(&number), "{subjects:?}");
}

#[tokio::test]
async fn a_step_with_a_credit_hold_puts_the_customer_on_hold_and_finalize_then_answers_409() {
    let _clock = o2c_e2e::SCHEDULE_CLOCK.lock().await;
    let api = Api::new();
    let start = clock(&api).await;
    let c = customer(&api, "Held SARL", "ap@held.example", "Europe/Paris").await;
    let a = api.send("PUT", &format!("/v1/customers/{c}/dunning-policy"), Some(&json!({"steps": [{"offset_days": 1, "template": "final", "credit_hold": true}]}).to_string()), Some(&api.key.clone())).await;
    assert_eq!(a.status, 200, "{}", a.raw);
    let due = next_weekday(start, 3, Weekday::Tue);
    let (id, _) = invoice(&api, &c, due, "80").await;
    travel(&api, Utc.from_utc_datetime(&(due + chrono::Duration::days(2)).and_hms_opt(12, 0, 0).expect("noon"))).await;
    assert_eq!(issued(&api, &id).await.len(), 1);
    assert_eq!(api.get(&format!("/v1/customers/{c}")).await.body["credit_hold"], true, "the step placed the hold");
    let draft = api.post("/v1/invoices", json!({"customer": c, "lines": [{"description": "More", "quantity": "1", "unit_amount": "5", "tax_rate": "0"}]})).await;
    assert_eq!((draft.status, draft.body["code"].as_str()), (409, Some("credit_hold")), "{}", draft.raw);
    let overridden = api.post("/v1/invoices", json!({"customer": c, "override_credit_hold": true, "lines": [{"description": "More", "quantity": "1", "unit_amount": "5", "tax_rate": "0"}]})).await;
    assert_eq!(overridden.status, 201, "{}", overridden.raw);
    let id = overridden.body["id"].as_str().expect("id");
    let a = api.post(&format!("/v1/invoices/{id}/finalize"), json!({})).await;
    assert_eq!((a.status, a.body["code"].as_str()), (409, Some("credit_hold")), "{}", a.raw);
}

/// A reminders function wired to the local stack's store, Scheduler and
/// reminder queue, as `main.rs` wires it.
async fn reminders_function() -> o2c_fn_reminders::Reminders<o2c_store::DynamoStore, o2c_fn_reminders::schedules::SchedulerSchedules, o2c_fn_reminders::batches::SqsBatches> {
    let aws = o2c_e2e::local_aws().await;
    let ddb = aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(o2c_e2e::dynamodb_endpoint()).build());
    let store = o2c_store::DynamoStore::new(ddb, o2c_e2e::table_name());
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let queue_url = sqs.get_queue_url().queue_name(o2c_e2e::reminder_queue_name()).send().await.expect("queue").queue_url().unwrap_or_default().to_owned();
    let config = o2c_fn_reminders::schedules::SchedulerConfig { group: "o2c-local-reminders".into(), queue_arn: format!("arn:aws:sqs:us-east-1:123456789012:{}", o2c_e2e::reminder_queue_name()), role_arn: "arn:aws:iam::123456789012:role/ReminderSchedulerRole".into() };
    let schedules = o2c_fn_reminders::schedules::SchedulerSchedules { client: aws_sdk_scheduler::Client::new(&aws), config };
    let batches = o2c_fn_reminders::batches::SqsBatches { client: sqs, queue_url };
    o2c_fn_reminders::Reminders::new(store, schedules, batches, Default::default(), o2c_domain::customer::TimeZone::default())
}

#[tokio::test]
async fn two_fires_racing_for_the_same_customer_send_the_step_once() {
    let _clock = o2c_e2e::SCHEDULE_CLOCK.lock().await;
    let api = Api::new();
    let start = clock(&api).await;
    let c = customer(&api, "Race Ltd", "ap@race.example", "UTC").await;
    let due = next_weekday(start, 10, Weekday::Wed);
    let (id, _) = invoice(&api, &c, due, "60").await;
    // The -3 step: 09:00 UTC on the Sunday before -> Monday.
    let fire_at = Utc.from_utc_datetime(&(due - chrono::Duration::days(2)).and_hms_opt(9, 0, 0).expect("nine"));
    let due_now = o2c_fn_reminders::work::CustomerDue { customer: o2c_domain::ids::CustomerId::parse(&c).expect("id"), fire_at, invoices: vec![o2c_domain::ids::InvoiceId::parse(&id).expect("id")] };
    let (a, b) = (reminders_function().await, reminders_function().await);
    let (ra, rb) = tokio::join!(a.run(o2c_fn_reminders::work::Work::Batch(vec![due_now.clone()])), b.run(o2c_fn_reminders::work::Work::Batch(vec![due_now.clone()])));
    assert!(ra.is_ok() && rb.is_ok(), "{ra:?} {rb:?}");
    // And once more, late, as the sweep would.
    a.run(o2c_fn_reminders::work::Work::Batch(vec![due_now])).await.expect("again");
    let steps = issued(&api, &id).await;
    assert_eq!(steps.len(), 1, "one reminder: {steps:?}");
    assert_eq!(steps[0].0, -3);
}

#[tokio::test]
async fn a_schedule_that_never_fires_is_made_good_by_the_daily_sweep() {
    let _clock = o2c_e2e::SCHEDULE_CLOCK.lock().await;
    let api = Api::new();
    let start = clock(&api).await;
    let c = customer(&api, "Missed Oy", "ap@missed.example", "Europe/Helsinki").await;
    let a = api.send("PUT", &format!("/v1/customers/{c}/dunning-policy"), Some(&json!({"steps": [{"offset_days": 1, "template": "reminder"}]}).to_string()), Some(&api.key.clone())).await;
    assert_eq!(a.status, 200, "{}", a.raw);
    let due = next_weekday(start, 4, Weekday::Mon);
    let (id, _) = invoice(&api, &c, due, "40").await;
    // 09:00 Helsinki on Tuesday.
    let send_at = chrono_tz::Europe::Helsinki.from_local_datetime(&(due + chrono::Duration::days(1)).and_hms_opt(9, 0, 0).expect("nine")).single().expect("instant").with_timezone(&Utc);
    let name = o2c_fn_reminders::schedules::schedule_name(send_at);
    let scheduler = aws_sdk_scheduler::Client::new(&o2c_e2e::local_aws().await);
    // The finalize made the schedule (wait for the outbox to carry it);
    // lose it, as an outage would.
    let made = o2c_e2e::eventually_async(Duration::from_secs(20), || {
        let (scheduler, name) = (scheduler.clone(), name.clone());
        async move { scheduler.get_schedule().group_name("o2c-local-reminders").name(&name).send().await.ok().map(|_| ()) }
    })
    .await;
    assert!(made.is_some(), "finalize scheduled {name}");
    scheduler.delete_schedule().group_name("o2c-local-reminders").name(&name).send().await.expect("delete");
    // Past the instant, not yet the next sweep (00:05 UTC): nothing.
    travel(&api, send_at + chrono::Duration::hours(1)).await;
    assert!(issued(&api, &id).await.is_empty(), "no schedule, no fire yet");
    // The next sweep sends it, dated as the missed fire.
    let next_sweep = Utc.from_utc_datetime(&((send_at + chrono::Duration::days(1)).date_naive().and_hms_opt(0, 30, 0).expect("time")));
    travel(&api, next_sweep).await;
    let steps = issued(&api, &id).await;
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0].2, (due + chrono::Duration::days(1)).to_string(), "for the day it was due");
}

//! Helpers for tests that run against the local stack started by
//! `make test`: the HTTP API on `O2C_PORT` and the emulators behind it.
//! A test that cannot reach the stack fails; it never skips.

use std::time::Duration;

use serde_json::Value;

pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_owned())
}

/// The SDK configured for moto (SQS, EventBridge, SES...), with the
/// dummy credentials the emulators accept. DynamoDB clients built from it
/// must override the endpoint with [`dynamodb_endpoint`].
pub async fn local_aws() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new("testing", "testing", None, None, "o2c-tests"))
        .endpoint_url(moto_endpoint())
        .load()
        .await
}

/// The endpoint DynamoDB Local listens on.
pub fn dynamodb_endpoint() -> String {
    format!("http://127.0.0.1:{}", env_or("O2C_DYNAMODB_PORT", "8000"))
}

pub fn moto_endpoint() -> String {
    format!("http://127.0.0.1:{}", env_or("O2C_MOTO_PORT", "5000"))
}

/// The table the local front created from the template.
pub fn table_name() -> String {
    env_or("O2C_TABLE_NAME", "o2c-local-O2cTable")
}

pub struct Api {
    pub base: String,
    pub key: String,
    pub client: reqwest::Client,
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
    /// The body exactly as received.
    pub raw: String,
    pub headers: Vec<(String, String)>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
    }
}

impl Default for Api {
    fn default() -> Self {
        Self::new()
    }
}

impl Api {
    pub fn new() -> Self {
        Self {
            base: format!("http://127.0.0.1:{}", env_or("O2C_PORT", "3000")),
            key: env_or("O2C_DEV_API_KEY", "sk_local_dev"),
            client: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("an HTTP client"),
        }
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<&str>, key: Option<&str>) -> Answer {
        self.request(method, path, body, key, &[]).await
    }

    /// With the client's key and extra headers.
    pub async fn send_with(&self, method: &str, path: &str, body: Option<&str>, headers: &[(&str, &str)]) -> Answer {
        self.request(method, path, body, Some(&self.key.clone()), headers).await
    }

    async fn request(&self, method: &str, path: &str, body: Option<&str>, key: Option<&str>, headers: &[(&str, &str)]) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self.client.request(method, format!("{}{}", self.base, path));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_owned());
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("the local stack is not answering on {} (run `make test`): {e}", self.base));
        let status = res.status().as_u16();
        let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let headers = res.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect();
        let raw = res.text().await.expect("a body");
        let body = serde_json::from_str(&raw).unwrap_or(Value::String(raw.clone()));
        Answer { status, content_type, body, raw, headers }
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send("POST", path, Some(&body.to_string()), Some(&self.key.clone())).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None, Some(&self.key.clone())).await
    }

    pub async fn create_customer(&self, currency: &str) -> String {
        let a = self
            .post("/v1/customers", serde_json::json!({"name": "Acme GmbH", "email": "ap@acme.example", "currency": currency, "payment_terms": {"net_days": 14}}))
            .await;
        assert_eq!(a.status, 201, "{:?}", a.body);
        a.body["id"].as_str().expect("an id").to_owned()
    }
}

/// Polls an SQS queue in the emulator until `wanted` accepts a message
/// body, deleting only that one. Others are hidden for a few seconds, so
/// the next receive sees messages not yet looked at, then come back.
pub async fn wait_for_message(sqs: &aws_sdk_sqs::Client, queue_url: &str, limit: Duration, wanted: impl Fn(&Value) -> bool) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        let out = sqs.receive_message().queue_url(queue_url).max_number_of_messages(10).wait_time_seconds(1).send().await.ok()?;
        for m in out.messages() {
            let body: Value = m.body().and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
            if wanted(&body) {
                if let Some(h) = m.receipt_handle() {
                    let _ = sqs.delete_message().queue_url(queue_url).receipt_handle(h).send().await;
                }
                return Some(body);
            }
            if let Some(h) = m.receipt_handle() {
                let _ = sqs.change_message_visibility().queue_url(queue_url).receipt_handle(h).visibility_timeout(5).send().await;
            }
        }
    }
    None
}

/// Polls an SQS-free condition: retries `check` until it holds or `limit`
/// passes (for effects that travel through the stream).
pub async fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Polls an async `check` until it answers `Some` or `limit` passes.
pub async fn eventually_async<T, F, Fut>(limit: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if let Some(v) = check().await {
            return Some(v);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None
}

/// An API Gateway (payload 2.0) event, for driving a handler in process.
pub fn gateway_event(method: &str, route_key: &str, path: &str, id: Option<&str>, key: &str, body: Option<String>, headers: &[(&str, &str)]) -> aws_lambda_events::apigw::ApiGatewayV2httpRequest {
    let mut e = aws_lambda_events::apigw::ApiGatewayV2httpRequest::default();
    e.route_key = Some(route_key.into());
    e.raw_path = Some(path.into());
    e.request_context.http.method = method.parse().expect("method");
    e.request_context.request_id = Some(ulid::Ulid::new().to_string());
    e.headers.insert("authorization", format!("Bearer {key}").parse().expect("header"));
    e.headers.insert("content-type", "application/json".parse().expect("header"));
    for (k, v) in headers {
        e.headers.insert(aws_lambda_events::http::HeaderName::from_bytes(k.as_bytes()).expect("name"), v.parse().expect("value"));
    }
    if let Some(id) = id {
        e.path_parameters.insert("id".into(), id.into());
    }
    e.body = body;
    e
}

/// A handler's answer: status and JSON body.
pub fn answer_of(r: &aws_lambda_events::apigw::ApiGatewayV2httpResponse) -> (u16, Value) {
    let body = match &r.body {
        Some(aws_lambda_events::encodings::Body::Text(t)) => serde_json::from_str(t).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (u16::try_from(r.status_code).unwrap_or(0), body)
}

/// A customer with the contract's defaults, for tests that write through
/// the store directly.
pub fn test_customer(name: &str, currency: &str) -> o2c_domain::customer::Customer {
    let c = o2c_domain::money::Currency::parse(currency).expect("a currency");
    o2c_domain::customer::Customer {
        id: o2c_domain::ids::CustomerId::from_ulid(ulid::Ulid::new()),
        name: o2c_domain::text::BoundedText::parse(name).expect("a name"),
        email: o2c_domain::text::Email::parse("ap@customer.example").expect("an email"),
        cc: vec![],
        currency: c,
        payment_terms: Default::default(),
        locale: Default::default(),
        time_zone: Default::default(),
        billing_address: None,
        tax_id: None,
        credit_limit: None,
        external_id: None,
        metadata: Default::default(),
        balance: o2c_domain::money::Money::zero(c),
        credit_balance: o2c_domain::money::Money::zero(c),
        credit_hold: false,
        email_status: Default::default(),
        dunning_policy: None,
        created_at: chrono::Utc::now(),
    }
}

/// A numbering year no other test, and no earlier run on this stack, has
/// used: reserved with a create-only item, and refused if the year already
/// has an invoice-number counter. Gapless-numbering tests need a year to
/// themselves; a random pick alone collides across runs.
pub async fn private_year() -> i32 {
    let aws = local_aws().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(dynamodb_endpoint()).build();
    let ddb = aws_sdk_dynamodb::Client::from_conf(config);
    let s = aws_sdk_dynamodb::types::AttributeValue::S;
    for _ in 0..200 {
        let year = 1000 + (ulid::Ulid::new().random() % 9000) as i32;
        let counter = ddb
            .get_item()
            .table_name(table_name())
            .key("pk", s(format!("COUNTER#INVOICE_NUMBER#{year}")))
            .key("sk", s("COUNTER".into()))
            .consistent_read(true)
            .send()
            .await
            .expect("DynamoDB Local answers");
        if counter.item().is_some() {
            continue;
        }
        let reserved = ddb
            .put_item()
            .table_name(table_name())
            .item("pk", s(format!("TEST#YEAR#{year}")))
            .item("sk", s("RESERVED".into()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        if reserved.is_ok() {
            return year;
        }
    }
    panic!("no free numbering year after 200 tries");
}

/// The reminder queue the local front created from the template.
pub fn reminder_queue_name() -> String {
    "o2c-local-ReminderQueue".to_owned()
}

/// Held by every test that moves the stack's one schedule clock, so one
/// test's travel does not fire (or skip) another's reminders mid-way.
pub static SCHEDULE_CLOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Writes `items` into `table` 25 at a time, 8 batches in flight, until
/// DynamoDB has taken every one (benches seed their own tables this way).
pub async fn seed_items(client: &aws_sdk_dynamodb::Client, table: &str, items: Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>) {
    use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
    let chunks: Vec<Vec<_>> = items.chunks(25).map(<[_]>::to_vec).collect();
    let mut tasks = tokio::task::JoinSet::new();
    let mut pending = chunks.into_iter();
    loop {
        while tasks.len() < 8 {
            let Some(chunk) = pending.next() else { break };
            let (client, table) = (client.clone(), table.to_owned());
            tasks.spawn(async move {
                let mut requests: Vec<WriteRequest> = chunk.into_iter().map(|i| WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(i)).build().expect("put")).build()).collect();
                while !requests.is_empty() {
                    let out = client.batch_write_item().request_items(&table, requests).send().await.expect("batch write");
                    requests = out.unprocessed_items().and_then(|u| u.get(&table)).cloned().unwrap_or_default();
                }
            });
        }
        if tasks.join_next().await.is_none() {
            break;
        }
    }
}

//! The proxy's plumbing against a fake upstream that records what reaches
//! it: forwarding, the control endpoint, and the faults that close
//! connections. Needs no DynamoDB Local, and talks raw HTTP/1.1 so that
//! "no answer at all" can be told apart from any answer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use o2c_fault_proxy::{FaultProxy, FaultRates};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the fake upstream saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    host: String,
    target: String,
    body: String,
}

/// An upstream that records each request and answers 418 with a marker
/// header and the request body echoed back.
async fn fake_upstream() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let record = record.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let record = record.clone();
                    async move {
                        let header = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                        let (method, path, host, target) =
                            (req.method().to_string(), req.uri().to_string(), header("host"), header("x-amz-target"));
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        let body = String::from_utf8_lossy(&body).into_owned();
                        record.lock().unwrap().push(Seen { method, path, host, target, body: body.clone() });
                        Ok::<_, std::convert::Infallible>(
                            Response::builder().status(418).header("x-upstream", "yes").body(Full::new(Bytes::from(body))).unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    (url, seen)
}

#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: String,
}

/// Sends one request on a fresh connection and reads until the proxy
/// closes it. `Ok(None)`: the connection closed without a single byte.
async fn send(proxy: &FaultProxy, method: &str, path: &str, target: Option<&str>, body: &str) -> Option<Answer> {
    let mut stream = TcpStream::connect(proxy.local_addr()).await.unwrap();
    let target = target.map(|t| format!("x-amz-target: DynamoDB_20120810.{t}\r\n")).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {}\r\n{target}content-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        proxy.local_addr(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    // An error here is a reset: as much an unanswered request as a clean close.
    let _ = stream.read_to_end(&mut raw).await;
    if raw.is_empty() {
        return None;
    }
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    Some(Answer { status, head: head.to_ascii_lowercase(), body: body.to_owned() })
}

#[tokio::test]
async fn a_request_without_faults_reaches_the_upstream_unchanged_and_its_answer_comes_back_unchanged() {
    let (upstream, seen) = fake_upstream().await;
    let proxy = FaultProxy::start(&upstream, FaultRates::default(), 1).await.unwrap();
    let body = r#"{"TableName":"t","Key":{"pk":{"S":"a"}}}"#;

    let answer = send(&proxy, "POST", "/some/path?x=1", Some("GetItem"), body).await.expect("an answer");

    assert_eq!(answer.status, 418);
    assert!(answer.head.contains("x-upstream: yes"), "{}", answer.head);
    assert_eq!(answer.body, body);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].path, "/some/path?x=1");
    assert_eq!(seen[0].host, proxy.local_addr().to_string(), "Host is kept as signed");
    assert_eq!(seen[0].target, "DynamoDB_20120810.GetItem");
    assert_eq!(seen[0].body, body);
    assert_eq!(proxy.injected().forwarded, 1);
}

#[tokio::test]
async fn an_injected_throttle_never_reaches_the_upstream() {
    let (upstream, seen) = fake_upstream().await;
    let proxy = FaultProxy::start(&upstream, FaultRates { throttle: 1.0, ..Default::default() }, 1).await.unwrap();

    let answer = send(&proxy, "POST", "/", Some("PutItem"), "{}").await.expect("an answer");

    assert_eq!(answer.status, 400);
    assert!(answer.head.contains("content-type: application/x-amz-json-1.0"), "{}", answer.head);
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["__type"], "com.amazonaws.dynamodb.v20120810#ThrottlingException");
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(proxy.injected().throttle, 1);
}

#[tokio::test]
async fn a_conflict_answers_with_one_cancellation_reason_per_transact_item() {
    let (upstream, seen) = fake_upstream().await;
    let proxy = FaultProxy::start(&upstream, FaultRates { conflict: 1.0, ..Default::default() }, 1).await.unwrap();
    let body = r#"{"TransactItems":[{"Put":{}},{"Delete":{}},{"ConditionCheck":{}}]}"#;

    let answer = send(&proxy, "POST", "/", Some("TransactWriteItems"), body).await.expect("an answer");

    assert_eq!(answer.status, 400);
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    let codes: Vec<&str> = body["CancellationReasons"].as_array().unwrap().iter().map(|r| r["Code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["TransactionConflict", "None", "None"]);
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_lost_response_reaches_the_upstream_but_the_client_gets_no_answer() {
    let (upstream, seen) = fake_upstream().await;
    let proxy = FaultProxy::start(&upstream, FaultRates { lost_response: 1.0, ..Default::default() }, 1).await.unwrap();

    let answer = send(&proxy, "POST", "/", Some("PutItem"), r#"{"Item":{}}"#).await;

    assert!(answer.is_none(), "expected no answer, got {answer:?}");
    assert_eq!(seen.lock().unwrap().len(), 1, "the write must have reached the upstream");
    assert_eq!(proxy.injected().lost_response, 1);
    assert_eq!(proxy.injected().forwarded, 0);
}

#[tokio::test]
async fn a_timeout_holds_the_connection_open_without_answering_or_forwarding() {
    let (upstream, seen) = fake_upstream().await;
    let proxy = FaultProxy::start(&upstream, FaultRates { timeout: 1.0, ..Default::default() }, 1).await.unwrap();

    let waited = tokio::time::timeout(Duration::from_millis(700), send(&proxy, "POST", "/", Some("GetItem"), "{}")).await;

    assert!(waited.is_err(), "the proxy answered or closed: {waited:?}");
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(proxy.injected().timeout, 1);
}

#[tokio::test]
async fn an_unreachable_upstream_is_answered_with_502() {
    // A port that was free a moment ago: nothing listens there.
    let free = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let proxy = FaultProxy::start(&format!("http://{free}"), FaultRates::default(), 1).await.unwrap();

    let answer = send(&proxy, "POST", "/", Some("GetItem"), "{}").await.expect("an answer");

    assert_eq!(answer.status, 502);
    assert_eq!(proxy.injected().upstream_failed, 1);
}

#[tokio::test]
async fn get_faults_reports_the_rates_and_the_counts() {
    let (upstream, seen) = fake_upstream().await;
    let rates = FaultRates { conflict: 0.5, server_error: 1.0, ..Default::default() };
    let proxy = FaultProxy::start(&upstream, rates, 1).await.unwrap();
    send(&proxy, "POST", "/", Some("GetItem"), "{}").await.expect("an answer");

    let answer = send(&proxy, "GET", "/_faults", None, "").await.expect("an answer");

    assert_eq!(answer.status, 200);
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["rates"]["conflict"], 0.5);
    assert_eq!(body["rates"]["server_error"], 1.0);
    assert_eq!(body["injected"]["server_error"], 1);
    assert_eq!(body["injected"]["forwarded"], 0);
    assert!(seen.lock().unwrap().is_empty(), "/_faults is never forwarded");
}

#[tokio::test]
async fn post_faults_replaces_the_rates_for_the_next_request() {
    let (upstream, seen) = fake_upstream().await;
    let proxy = FaultProxy::start(&upstream, FaultRates { throttle: 1.0, ..Default::default() }, 1).await.unwrap();

    let answer = send(&proxy, "POST", "/_faults", None, r#"{"server_error":1.0}"#).await.expect("an answer");
    assert_eq!(answer.status, 200, "{}", answer.body);

    assert_eq!(proxy.rates(), FaultRates { server_error: 1.0, ..Default::default() }, "missing fields become 0");
    assert_eq!(send(&proxy, "POST", "/", Some("GetItem"), "{}").await.expect("an answer").status, 500);
    send(&proxy, "POST", "/_faults", None, "{}").await.expect("an answer");
    assert_eq!(send(&proxy, "POST", "/", Some("GetItem"), "{}").await.expect("an answer").status, 418);
    assert_eq!(seen.lock().unwrap().len(), 1, "only the last request was forwarded");
}

#[tokio::test]
async fn post_faults_refuses_rates_outside_zero_to_one_and_unknown_fields() {
    let (upstream, _) = fake_upstream().await;
    let proxy = FaultProxy::start(&upstream, FaultRates::default(), 1).await.unwrap();

    for body in [r#"{"throttle":1.5}"#, r#"{"server-error":0.5}"#, "not json"] {
        let answer = send(&proxy, "POST", "/_faults", None, body).await.expect("an answer");
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
    }
    assert_eq!(proxy.rates(), FaultRates::default());
}

#[tokio::test]
async fn set_rates_clamps_instead_of_refusing() {
    let (upstream, _) = fake_upstream().await;
    let proxy = FaultProxy::start(&upstream, FaultRates::default(), 1).await.unwrap();

    proxy.set_rates(FaultRates { throttle: 3.0, timeout: -1.0, conflict: f64::NAN, ..Default::default() });

    assert_eq!(proxy.rates(), FaultRates { throttle: 1.0, ..Default::default() });
}

#[tokio::test]
async fn the_same_seed_replays_the_same_faults_for_the_same_requests() {
    let (upstream, _) = fake_upstream().await;
    let rates = FaultRates { throttle: 0.3, server_error: 0.3, ..Default::default() };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let proxy = FaultProxy::start(&upstream, rates, 2024).await.unwrap();
        let mut statuses = Vec::new();
        for _ in 0..30 {
            statuses.push(send(&proxy, "POST", "/", Some("GetItem"), "{}").await.expect("an answer").status);
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&400) && runs[0].contains(&500) && runs[0].contains(&418), "{:?}", runs[0]);
}

#[tokio::test]
async fn start_refuses_an_upstream_that_is_not_plain_http() {
    let err = FaultProxy::start("https://dynamodb.us-east-1.amazonaws.com", FaultRates::default(), 1).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
